"""Pixels into sRGB: modes made fit for resizing, then embedded ICC profiles applied.

Split in two because the first must run on the source and the second is cheaper on the
resized image: a profile transform on 1920 px rather than on 24 MP.
"""

import functools
import io

from PIL import Image, ImageCms


class UnsupportedMode(ValueError):
    """A pixel format we cannot turn into RGB."""


def resizable(img: Image.Image) -> Image.Image:
    """`img` in a mode Lanczos can resize faithfully: RGB, RGBA, L, LA or CMYK."""
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
        return img.convert("I").point(lambda value: value / 257).convert("L")
    if mode == "LAB":
        lab_to_srgb = ImageCms.buildTransform(ImageCms.createProfile("LAB"), _srgb(), "LAB", "RGB")
        return ImageCms.applyTransform(img, lab_to_srgb)
    try:
        return img.convert("RGBA" if img.has_transparency_data else "RGB")
    except ValueError as exc:
        raise UnsupportedMode(f"{img.format} images in mode {mode} are not supported") from exc


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
