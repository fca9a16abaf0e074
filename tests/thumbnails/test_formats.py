"""Every phone's format comes out: HEIC/HEIF in, AVIF out beside WebP and JPEG, tiny sources,
and 16-bit PNGs whose transparency is a colour key. Fixtures are made here: HEIC files with
pillow-heif (a dev-only encoder), PNGs with Pillow or by hand."""

import io
import struct
import subprocess
import sys
import zlib

import pytest
from PIL import Image

from tests.thumbnails.pictures import decoded, encode, photo
from thumbnails.images import ImageRejected, looks_like_heif, open_image, render_renditions


def heic(img: Image.Image, orientation: int | None = None, quality: int = 70) -> bytes:
    """`img` as an HEIC file, as an iPhone writes one (HEVC in a HEIF container); with
    `orientation`, the EXIF orientation a phone held sideways records (pillow-heif writes it
    as the HEIF rotation, `irot`, as phones do)."""
    import pillow_heif

    options = {"quality": quality}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    buffer = io.BytesIO()
    pillow_heif.from_pillow(img).save(buffer, format="HEIF", **options)
    return buffer.getvalue()


def smooth(size):
    """A gradient: x265 encodes it in a blink, where noise takes seconds."""
    return Image.merge("RGB", [Image.linear_gradient("L").resize(size)] * 2 + [Image.new("L", size, 90)])


def test_an_iphone_heic_photo_makes_every_rendition():
    """A 1000x750 HEIC photo gives the same renditions a JPEG would, in all three formats."""
    data = heic(smooth((1000, 750)))
    assert looks_like_heif(data)
    renditions = render_renditions(data)
    assert [(r.width, r.height, r.format) for r in renditions] == [
        (w, h, fmt) for w, h in ((320, 240), (640, 480), (960, 720)) for fmt in ("jpeg", "webp", "avif")
    ]
    assert all(decoded(r).size == (r.width, r.height) for r in renditions)


def test_a_sideways_heic_comes_out_upright():
    """A portrait shot stored with a HEIF rotation comes out upright: the stripe on the stored
    image's left is at the top of the rendition."""
    stored = Image.new("RGB", (600, 400), (200, 30, 30))
    stored.paste((30, 30, 200), (0, 0, 100, 400))  # a blue stripe on the left
    renditions = render_renditions(heic(stored, orientation=6), formats=("jpeg",))
    out = decoded(renditions[-1])
    assert out.size == (320, 480)  # upright: portrait
    top, bottom = out.getpixel((out.width // 2, 5)), out.getpixel((out.width // 2, out.height - 5))
    assert top[2] > 150 and top[0] < 80, top  # blue
    assert bottom[0] > 150 and bottom[2] < 80, bottom  # red


def test_the_first_bytes_of_a_heic_are_enough_for_its_size():
    """The admin reads only the start of an upload: a HEIC's size is in its header."""
    data = heic(smooth((1200, 900)))
    with open_image(data[:4096]) as img:
        assert (img.format, img.size) == ("HEIF", (1200, 900))


def test_a_broken_heic_is_rejected_not_retried():
    """A HEIC cut short or garbled is rejected with a reason, like any bad image."""
    data = heic(photo((320, 240)))
    with pytest.raises(ImageRejected) as cut:
        render_renditions(data[: len(data) // 3])
    assert cut.value.reason in {"truncated", "corrupt"}
    garbled = data[:64] + bytes(len(data) - 64)
    with pytest.raises(ImageRejected):
        render_renditions(garbled)


def test_the_heif_decoder_loads_only_when_a_heif_file_arrives():
    """Importing the image core (the S3 cold start) and rendering a JPEG load no HEIF library."""
    probe = (
        "import io, sys\n"
        "from PIL import Image\n"
        "import thumbnails.images as images\n"
        "assert 'pi_heif' not in sys.modules, 'imported with the core'\n"
        "b = io.BytesIO(); Image.new('RGB', (400, 300)).save(b, 'JPEG')\n"
        "images.render_renditions(b.getvalue(), formats=('jpeg',))\n"
        "assert 'pi_heif' not in sys.modules, 'imported for a JPEG'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "ok", result.stderr


def test_avif_renditions_are_real_avif_files():
    """AVIF renditions decode as AVIF at their stated size, and are smaller than the JPEGs."""
    renditions = render_renditions(encode(photo((1300, 900)), "JPEG", quality=92))
    avif = [r for r in renditions if r.format == "avif"]
    jpeg = {r.width: r for r in renditions if r.format == "jpeg"}
    assert [r.width for r in avif] == [320, 640, 960, 1280]
    for r in avif:
        img = decoded(r)
        assert (img.format, img.size, r.content_type) == ("AVIF", (r.width, r.height), "image/avif")
        assert len(r.data) < len(jpeg[r.width].data)


def test_a_source_narrower_than_every_width_gets_one_rendition_per_format_at_its_own_width():
    """A 200x150 photo: one rendition of each format, 200 px wide, not upscaled to 320."""
    renditions = render_renditions(encode(photo((200, 150)), "JPEG"))
    assert [(r.width, r.height, r.format) for r in renditions] == [
        (200, 150, "jpeg"),
        (200, 150, "webp"),
        (200, 150, "avif"),
    ]


# --- 16-bit PNGs with a transparent colour key (tRNS) ---------------------------------------


def png_16bit_rgb(size, key, other):
    """A 16-bit RGB PNG (Pillow cannot write one): its left half the colour `key`, which tRNS
    names transparent, its right half `other` (16-bit samples)."""
    width, height = size
    row = b"\0" + b"".join(struct.pack(">HHH", *(key if x < width // 2 else other)) for x in range(width))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))
        + chunk(b"tRNS", struct.pack(">HHH", *key))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def png_16bit_grey(size, key, other):
    img = Image.new("I;16", size, key)
    img.paste(Image.new("I;16", (size[0] // 2, size[1]), other), (size[0] // 2, 0))
    return encode(img, "PNG", transparency=key)


@pytest.mark.parametrize(
    ("data", "opaque"),
    [
        # The key 0x0102 0x0304 0x0506 and an opaque red; the key is not an 8-bit colour.
        (png_16bit_rgb((400, 300), (0x0102, 0x0304, 0x0506), (0xFFFF, 0, 0)), (255, 0, 0)),
        # A key of 16-bit "white" (0x00FF) is nearly black: matching it as 8-bit 255 would miss.
        (png_16bit_rgb((400, 300), (0x00FF, 0x00FF, 0x00FF), (0, 0xFFFF, 0)), (0, 255, 0)),
        (png_16bit_grey((400, 300), 1000, 50_000), (194, 194, 194)),
    ],
    ids=["rgb", "rgb-low-key", "grey"],
)
def test_a_16_bit_colour_key_keeps_its_transparency(data, opaque):
    """The keyed half is transparent in WebP and AVIF (white in JPEG), the other half opaque."""
    assert "transparency" in Image.open(io.BytesIO(data)).info
    for r in render_renditions(data):
        out = decoded(r)
        left = out.crop((0, 0, out.width // 2 - 8, out.height))
        right = out.crop((out.width // 2 + 8, 0, out.width, out.height)).convert("RGB")
        if r.format == "jpeg":
            assert out.mode == "RGB"
            assert min(left.getextrema()[band][0] for band in range(3)) >= 250, "keyed half not white"
        else:
            assert out.mode == "RGBA", r.format
            assert left.getchannel("A").getextrema()[1] <= 2, r.format
            assert (
                out.crop((out.width // 2 + 8, 0, out.width, out.height)).getchannel("A").getextrema()[0]
                >= 253
            )
        mean = [sum(band) / 2 for band in right.getextrema()]
        assert all(abs(m - o) <= 8 for m, o in zip(mean, opaque, strict=True)), (r.format, right.getextrema())


def test_a_10_bit_hdr_heic_is_rendered_in_8_bits():
    """An iPhone's HDR photo is 10-bit HEVC: decoded to 8 bits, its gradient kept."""
    import pillow_heif

    width, height = 400, 300
    samples = b"".join(
        struct.pack("<HHH", x * 65535 // width, y * 65535 // height, 30000)
        for y in range(height)
        for x in range(width)
    )
    buffer = io.BytesIO()
    pillow_heif.from_bytes(mode="RGB;16", size=(width, height), data=samples).save(buffer, quality=90)
    with open_image(buffer.getvalue()) as img:
        assert img.info["bit_depth"] == 10
    out = decoded(render_renditions(buffer.getvalue(), formats=("jpeg",))[0])
    assert out.mode == "RGB" and out.size == (320, 240)
    left, right = out.getpixel((5, 120)), out.getpixel((314, 120))
    assert left[0] < 30 and right[0] > 225, (left, right)  # red runs from none to full
