"""The image core's colour handling: CMYK, ICC profiles, transparency, odd modes, animation."""

import io
import struct

import pytest
from PIL import Image, ImageCms

from tests.thumbnails.pictures import close_to, decoded, encode, mean_colour, mean_difference, photo
from thumbnails.images import render_renditions

# --- colour ---------------------------------------------------------------------------


def test_cmyk_jpeg_keeps_its_colours():
    """A CMYK JPEG (Adobe's inverted convention, as Photoshop writes it) comes out in its colours,
    not as a negative."""
    data = encode(Image.new("RGB", (400, 300), (200, 40, 30)).convert("CMYK"), "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    assert b"Adobe" in data
    for r in render_renditions(data):
        out = decoded(r)
        assert out.mode == "RGB"
        assert close_to(mean_colour(out), (200, 40, 30), tolerance=8), (r.format, mean_colour(out))


def swapped_primaries_profile() -> bytes:
    """An ICC v2 RGB matrix profile whose first channel is sRGB's *green* and second its *red*.

    A pixel stored as (255, 0, 0) under it means pure green: converting to sRGB must swap them.
    """
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).profile

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(values) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in values)

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [
        (b"wtpt", xyz(srgb.media_white_point[0])),
        (b"rXYZ", xyz(srgb.green_colorant[0])),
        (b"gXYZ", xyz(srgb.red_colorant[0])),
        (b"bXYZ", xyz(srgb.blue_colorant[0])),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + b"\0\0\0\0"
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


@pytest.mark.parametrize("source_format", ["JPEG", "PNG", "WEBP"])
def test_an_embedded_icc_profile_is_converted_to_srgb_and_not_kept(source_format):
    """Pixels are converted through the embedded profile; the output is untagged sRGB."""
    img = Image.new("RGB", (400, 300), (255, 0, 0))
    img.paste((0, 255, 0), (200, 0, 400, 300))
    data = encode(img, source_format, icc_profile=swapped_primaries_profile(), quality=95)
    for r in render_renditions(data):
        out = decoded(r)
        assert "icc_profile" not in out.info
        left = out.crop((0, 0, out.width // 2 - 8, out.height))
        right = out.crop((out.width // 2 + 8, 0, out.width, out.height))
        assert close_to(mean_colour(left), (0, 255, 0), tolerance=10), (r.format, mean_colour(left))
        assert close_to(mean_colour(right), (255, 0, 0), tolerance=10), (r.format, mean_colour(right))


def test_an_srgb_profile_leaves_colours_alone():
    """An image already tagged sRGB comes out with the same colours (to within rounding)."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (400, 300), (90, 140, 200)), "PNG", icc_profile=srgb)
    out = decoded(render_renditions(data, formats=("webp",))[0])
    assert close_to(mean_colour(out), (90, 140, 200), tolerance=3)


def test_a_broken_profile_is_ignored():
    """A profile lcms cannot read does not lose the photo: it is treated as untagged sRGB."""
    data = encode(
        Image.new("RGB", (400, 300), (90, 140, 200)), "JPEG", icc_profile=b"not a profile" * 20, quality=95
    )
    out = decoded(render_renditions(data, formats=("jpeg",))[0])
    assert close_to(mean_colour(out), (90, 140, 200), tolerance=4)


def half_transparent(mode: str) -> bytes:
    """Left half fully transparent, right half opaque blue, as a PNG in `mode`."""
    if mode == "P":  # a palette whose entry 0 is transparent (a tRNS chunk)
        img = Image.new("P", (400, 300), 0)
        img.putpalette([0, 0, 0, 20, 40, 220])
        img.paste(1, (200, 0, 400, 300))
        return encode(img, "PNG", transparency=0)
    img = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    img.paste((20, 40, 220, 255), (200, 0, 400, 300))
    return encode(img.convert(mode), "PNG")


@pytest.mark.parametrize("mode", ["RGBA", "P", "LA"])
def test_transparency_is_kept_in_webp_and_white_in_jpeg(mode):
    """Transparent pixels stay transparent in WebP and AVIF and become white (not black) in JPEG."""
    renditions = render_renditions(half_transparent(mode))
    assert Image.open(io.BytesIO(half_transparent(mode))).mode == mode
    for r in renditions:
        out = decoded(r)
        left = out.crop((0, 0, out.width // 2 - 8, out.height))
        right = out.crop((out.width // 2 + 8, 0, out.width, out.height))
        if r.format in ("webp", "avif"):
            assert out.mode == "RGBA"
            # AVIF codes alpha lossily too: "transparent" may come back as 1 of 255.
            slack = 2 if r.format == "avif" else 0
            assert left.getchannel("A").getextrema()[1] <= slack
            assert right.getchannel("A").getextrema()[0] >= 255 - slack
        else:
            assert out.mode == "RGB"
            assert close_to(mean_colour(left), (255, 255, 255), tolerance=2)
        blue = (20, 40, 220) if mode != "LA" else (55, 55, 55)  # LA is grey: the luma of that blue
        assert close_to(mean_colour(right.convert("RGB")), blue, tolerance=6), (r.format, mean_colour(right))


def test_an_opaque_alpha_channel_is_dropped():
    """An RGBA image with nothing transparent gives a WebP without alpha (smaller)."""
    out = decoded(render_renditions(encode(photo((400, 300)).convert("RGBA"), "PNG"), formats=("webp",))[0])
    assert out.mode == "RGB"


def test_a_palette_image_is_resized_smoothly():
    """A palette PNG is converted before resizing (Pillow would resize it nearest-neighbour)."""
    img = photo((800, 600)).convert("P", palette=Image.Palette.ADAPTIVE)
    out = decoded(render_renditions(encode(img, "PNG"), widths=(320,), formats=("webp",))[0])
    reference = img.convert("RGB").resize((320, 240), Image.Resampling.LANCZOS)
    assert mean_difference(out, reference) < 4


@pytest.mark.parametrize(
    ("mode", "fmt"), [("I;16", "PNG"), ("I;16", "TIFF"), ("I;16B", "TIFF"), ("I", "TIFF")]
)
def test_16_bit_grey_is_scaled_not_clipped(mode, fmt):
    """16-bit grey at half scale (32896 = 128 x 257) comes out mid grey, not white."""
    data = encode(Image.new(mode, (400, 300), 128 * 257), fmt)
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    for r in render_renditions(data):
        assert close_to(mean_colour(decoded(r).convert("RGB")), (128, 128, 128), tolerance=3)


@pytest.mark.parametrize(
    ("lab", "rgb"), [((128, 128, 128), (119, 119, 119)), ((136, 208, 195), (250, 3, 11))]
)
def test_lab_tiff_is_converted_to_srgb(lab, rgb):
    """A CIELAB TIFF is converted colorimetrically: L*50 grey is sRGB 119, not a colour cast.

    (Pillow keeps a* and b* offset by 128: (128, 128, 128) is L*50 a*0 b*0.)
    """
    data = encode(Image.new("LAB", (400, 300), lab), "TIFF")
    for r in render_renditions(data):
        assert close_to(mean_colour(decoded(r)), rgb, tolerance=4), (r.format, mean_colour(decoded(r)))


def test_one_bit_and_grey_images_come_out_rgb():
    """1-bit and 8-bit grey sources give ordinary RGB renditions."""
    for img in (Image.new("1", (400, 300), 1), Image.new("L", (400, 300), 77)):
        for r in render_renditions(encode(img, "PNG")):
            out = decoded(r)
            assert out.mode == "RGB"
            assert close_to(mean_colour(out), (255,) * 3 if img.mode == "1" else (77,) * 3, tolerance=3)


def test_only_the_first_frame_of_an_animation_is_used():
    """An animated GIF (red, then blue) gives still renditions of its first, red frame."""
    frames = [Image.new("RGB", (400, 300), colour) for colour in ("red", "blue", "green")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    for r in render_renditions(data):
        out = decoded(r)
        assert getattr(out, "n_frames", 1) == 1
        assert close_to(mean_colour(out.convert("RGB")), (255, 0, 0), tolerance=4)
