"""Pixels into sRGB: modes made fit for resizing, then embedded ICC profiles applied.

Split in two because the first must run on the source and the second is cheaper on the
resized image: a profile transform on 1920 px rather than on 24 MP.
"""

import functools
import io

from PIL import Image, ImageCms, ImageMath


class UnsupportedMode(ValueError):
    """A pixel format we cannot turn into RGB."""


def resizable(img: Image.Image) -> Image.Image:
    """`img` in a mode Lanczos can resize faithfully: RGB, RGBA, L, LA or CMYK. Call
    `keep_sixteen_bit_key` on it first, before it is loaded."""
    mode = img.mode
    if mode in ("RGB", "L"):
        # A tRNS colour key (PNG) makes one colour transparent.
        return img.convert("RGBA") if "transparency" in img.info else img
    if mode in ("RGBA", "LA", "CMYK"):
        return img
    if mode in ("P", "PA"):  # resize() would fall back to nearest-neighbour on a palette
        return img.convert("RGBA" if img.has_transparency_data else "RGB")
    if mode == "1":
        return img.convert("L")
    if mode.startswith("I"):  # 16-bit grey (PNG, TIFF): convert("L") would clip, not scale
        wide = img.convert("I")
        grey = wide.point(lambda value: value / 257).convert("L")
        key = img.info.get("transparency")
        if not isinstance(key, int):
            return grey
        # A tRNS colour key names one 16-bit value: compare before scaling, where it is exact.
        alpha = ImageMath.lambda_eval(lambda a: a["convert"]((a["x"] != key) * 255, "L"), x=wide)
        return Image.merge("LA", (grey, alpha))
    if mode == "LAB":
        lab_to_srgb = ImageCms.buildTransform(ImageCms.createProfile("LAB"), _srgb(), "LAB", "RGB")
        return ImageCms.applyTransform(img, lab_to_srgb)
    try:
        return img.convert("RGBA" if img.has_transparency_data else "RGB")
    except ValueError as exc:
        raise UnsupportedMode(f"{img.format} images in mode {mode} are not supported") from exc


def keep_sixteen_bit_key(img: Image.Image) -> None:
    """Make a 16-bit colour PNG's transparent colour key fit the 8-bit pixels Pillow decodes.

    Pillow keeps only the high byte of each 16-bit RGB sample but the tRNS key as written
    (16-bit), which no 8-bit pixel then matches: the transparency would be lost. The key's
    high bytes match the pixels as Pillow holds them (and a colour within 1/256 of the key,
    which a photo with a colour key, a flat graphic, does not have). Must run before `load()`,
    while the tile still says how the file is stored.
    """
    key = img.info.get("transparency")
    tile = img.tile[0] if img.format == "PNG" and img.tile else None
    if isinstance(key, tuple) and tile is not None and str(tile.args).startswith("RGB;16"):
        img.info["transparency"] = tuple(value >> 8 for value in key)


def to_srgb(img: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """`img` as sRGB, RGB or RGBA, through its embedded ICC profile when there is one.

    The output carries no profile: browsers take an untagged image as sRGB, a profile costs
    ~600 bytes a file, and the one lcms writes is dated, which would break byte-identity.
    """
    out_mode = "RGBA" if img.mode in ("RGBA", "LA") else "RGB"
    if icc_profile and img.mode in ("RGB", "RGBA", "L", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            # Relative colorimetric with black-point compensation: what Photoshop does by
            # default, and what keeps CMYK shadows from turning to mud.
            transform = ImageCms.buildTransform(
                source,
                _srgb(),
                img.mode,
                out_mode,
                renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
            )
            img = ImageCms.applyTransform(img, transform)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile, or one for another colour space: treat as untagged
    if img.mode != out_mode:
        img = img.convert(out_mode)  # CMYK without a profile: Pillow's naive formula
    if out_mode == "RGBA" and img.getchannel("A").getextrema() == (255, 255):
        img = img.convert("RGB")  # all opaque: an alpha plane would only cost bytes
    return img


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    """Built on first use, so that importing thumbnails stays cheap."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
