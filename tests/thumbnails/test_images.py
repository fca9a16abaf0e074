"""The pure image core: bytes in, renditions out. Images are made in memory with Pillow."""

import io
import math
import random
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat, PngImagePlugin, features

from tests import corpus
from tests.thumbnails.pictures import decoded, encode, mean_difference, photo, stored_with_orientation
from thumbnails.images import ImageRejected, load_upright, render_renditions

REPO = Path(__file__).resolve().parents[2]


# --- widths and formats ---------------------------------------------------------------


def test_every_width_up_to_the_source_in_jpeg_webp_and_avif():
    """A 1000 px wide photo gives 320, 640 and 960 px renditions, each in JPEG, WebP, AVIF."""
    renditions = render_renditions(encode(photo((1000, 750)), "JPEG"))
    assert [(r.width, r.height, r.format) for r in renditions] == [
        (320, 240, "jpeg"),
        (320, 240, "webp"),
        (320, 240, "avif"),
        (640, 480, "jpeg"),
        (640, 480, "webp"),
        (640, 480, "avif"),
        (960, 720, "jpeg"),
        (960, 720, "webp"),
        (960, 720, "avif"),
    ]
    for r in renditions:
        img = decoded(r)
        assert img.size == (r.width, r.height)
        assert img.format == {"jpeg": "JPEG", "webp": "WEBP", "avif": "AVIF"}[r.format]
        assert r.content_type == f"image/{r.format}"


def test_no_rendition_is_wider_than_the_source():
    """Widths are never upscaled: a 1300 px source stops at 1280."""
    renditions = render_renditions(encode(photo((1300, 400)), "PNG"))
    assert sorted({r.width for r in renditions}) == [320, 640, 960, 1280]


def test_a_tiny_image_gets_one_rendition_at_its_own_width():
    """A 100x80 image is narrower than every width: one rendition per format, 100x80."""
    renditions = render_renditions(encode(photo((100, 80)), "PNG"))
    assert [(r.width, r.height, r.format) for r in renditions] == [
        (100, 80, "jpeg"),
        (100, 80, "webp"),
        (100, 80, "avif"),
    ]


@pytest.mark.parametrize(
    ("size", "expected"), [((5000, 3), (1920, 1)), ((3, 2000), (3, 2000)), ((1, 1), (1, 1))]
)
def test_extreme_proportions_still_work(size, expected):
    """A sliver of a panorama or a one-pixel image gives renditions at least one pixel high."""
    renditions = render_renditions(encode(photo(size), "PNG"))
    assert (renditions[-1].width, renditions[-1].height) == expected
    assert all(decoded(r).size == (r.width, r.height) for r in renditions)


def test_avif_is_available_on_request():
    """AVIF is off by default (too slow) but can be asked for."""
    if not features.check("avif"):
        pytest.skip("this Pillow has no AVIF support")
    renditions = render_renditions(encode(photo((400, 300)), "JPEG"), formats=("avif",))
    assert [(r.width, r.format, r.content_type) for r in renditions] == [(320, "avif", "image/avif")]
    assert decoded(renditions[0]).size == (320, 240)


@pytest.mark.parametrize("formats", [(), ("png",), ("jpeg", "jpeg"), ("JPEG",)])
def test_unknown_formats_are_a_programming_error(formats):
    """Bad `formats` raise ValueError before any work, not ImageRejected."""
    with pytest.raises(ValueError):
        render_renditions(encode(photo((100, 80)), "PNG"), formats=formats)


def test_the_same_input_gives_the_same_bytes():
    """Output is deterministic (no timestamps, fixed encoder settings, fixed order across threads)."""
    rgba = photo((1000, 700)).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgba.size))
    for data in (encode(photo((1000, 700)), "JPEG"), encode(rgba, "PNG")):
        first, second = render_renditions(data), render_renditions(data)
        assert [(r.width, r.format, r.data) for r in first] == [(r.width, r.format, r.data) for r in second]


# --- orientation ----------------------------------------------------------------------


ORIENTED = [
    pytest.param(size, orientation, id=f"{kind}-{orientation}")
    for kind, size in (("landscape", (480, 320)), ("portrait", (320, 480)))
    for orientation in range(9)
] + [pytest.param(path, None, id=case.id) for case in corpus.params("images/exif-orientation", "*_[0-8].jpg")
     for path in case.values]  # fmt: skip


def oriented(size_or_path, orientation):
    """(stored bytes, the upright rendition they must give): a photo made here with EXIF
    orientation 0-8, or a corpus file `<kind>_N.jpg` beside its upright `<kind>_1.jpg`."""
    if orientation is not None:
        data, upright = stored_with_orientation(size_or_path, orientation)
        width = min(320, upright.width)
        return data, upright.resize((width, round(upright.height * width / upright.width)))
    upright = size_or_path.with_name(size_or_path.name.split("_")[0] + "_1.jpg").read_bytes()
    return size_or_path.read_bytes(), decoded(render_renditions(upright, widths=(320,), formats=("jpeg",))[0])


@pytest.mark.parametrize(("size_or_path", "orientation"), ORIENTED)
def test_every_exif_orientation_comes_out_upright(size_or_path, orientation):
    """A photo stored turned or mirrored, with the EXIF orientation that says so (or none),
    comes out as it is seen: the same size and picture as the upright one, not its mirror."""
    data, upright = oriented(size_or_path, orientation)
    img = decoded(render_renditions(data, widths=(320,), formats=("jpeg",))[0])
    assert img.size == upright.size
    assert mean_difference(img, upright) < 4
    # The threshold can tell a mirror image from the real thing.
    assert mean_difference(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), upright) > 12
    assert "exif" not in img.info


def test_orientation_applies_to_a_png_too():
    """A PNG's eXIf orientation is honoured: a 200x100 image tagged 6 comes out 100x200."""
    img = photo((200, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    renditions = render_renditions(encode(img, "PNG", exif=exif), formats=("webp",))
    out = decoded(renditions[0])
    assert out.size == (100, 200)
    assert mean_difference(out, img.transpose(Image.Transpose.ROTATE_270)) < 4


# --- metadata -------------------------------------------------------------------------


def with_everything(img: Image.Image) -> Image.Exif:
    exif = img.getexif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:11:05 10:00:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    return exif


XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description photoshop:City="Home"/></rdf:RDF></x:xmpmeta>'


def webp_chunks(data: bytes) -> set[str]:
    """The chunk types in a WebP (RIFF) file."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, offset = set(), 12
    while offset + 8 <= len(data):
        size = struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        chunks.add(data[offset : offset + 4].decode("ascii"))
        offset += 8 + size + (size & 1)
    return chunks


@pytest.mark.parametrize("source_format", ["JPEG", "PNG", "WEBP"])
def test_all_metadata_is_stripped(source_format):
    """No EXIF (GPS above all), XMP, comment or ICC profile survives in any rendition."""
    img = photo((700, 500))
    options = {"exif": with_everything(img), "xmp": XMP}
    if source_format == "JPEG":
        options["comment"] = b"shot at home"
    if source_format == "PNG":
        options["pnginfo"] = PngImagePlugin.PngInfo()
        options["pnginfo"].add_text("Comment", "shot at home")
    data = encode(img, source_format, **options)
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(0x8825), "the test image must carry GPS data"

    for r in render_renditions(data):
        out = decoded(r)
        assert not out.getexif()
        assert not {"exif", "xmp", "comment", "icc_profile", "XML:com.adobe.xmp"} & set(out.info)
        for marker in (b"Exif\x00\x00", b"PhoneMaker", b"adobe:ns:meta", b"shot at home", b"ICC_PROFILE"):
            assert marker not in r.data
        if r.format == "webp":
            assert webp_chunks(r.data) <= {"VP8 ", "VP8X", "VP8L", "ALPH"}


def psnr(a: Image.Image, b: Image.Image) -> float:
    squares = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).sum2
    return 10 * math.log10(255**2 / (sum(squares) / (a.width * a.height * 3)))


def test_every_delivered_file_is_close_to_a_resize_from_the_source():
    """Each width is made from the next wider one and encoded at fast settings, yet every file,
    decoded, stays within 39.5 dB PSNR of a Lanczos resize of the source itself (40.8 dB and
    up as set; a nearest-neighbour cascade or quality 60 falls below)."""
    source = photo((2400, 1800)).filter(ImageFilter.GaussianBlur(1))
    renditions = render_renditions(encode(source, "PNG"))
    assert {r.width for r in renditions} == {320, 640, 960, 1280, 1920}
    for r in renditions:
        reference = source.resize((r.width, r.height), Image.Resampling.LANCZOS)
        assert psnr(decoded(r), reference) >= 39.5, (r.width, r.format)


def test_load_upright_is_the_pixels_before_encoding():
    """load_upright gives the largest rendition's pixels: upright, RGB, no metadata."""
    img = load_upright(encode(photo((1000, 750)), "JPEG", exif=with_everything(photo((10, 10)))), 640)
    assert (img.size, img.mode, img.info) == ((640, 480), "RGB", {})


# --- bad input ------------------------------------------------------------------------


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of zeros: a few KB that would decode to `width` x `height` bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    rows = (b"\0" * ((width + 7) // 8 + 1)) * 1000
    idat = b"".join(compressor.compress(rows) for _ in range(height // 1000)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    return encode(photo((800, 600)), "JPEG")


BAD_INPUTS = {
    "empty": (b"", "empty"),
    "random bytes": (random.Random(42).randbytes(20_000), "not_an_image"),
    "svg named .jpg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4000" height="3000">'
        b'<rect width="100%" height="100%" fill="red"/></svg>',
        "not_an_image",
    ),
    "html": (b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>", "not_an_image"),
    "text": ("Grüße, ceci n'est pas une image".encode(), "not_an_image"),
    "bmp": (encode(Image.new("RGB", (64, 48)), "BMP"), "unsupported_format"),
    "truncated jpeg": (jpeg_bytes()[: len(jpeg_bytes()) // 2], "truncated"),
    "jpeg header only": (jpeg_bytes()[:400], "truncated"),
    "truncated png": (encode(photo((800, 600)), "PNG")[:5000], "truncated"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_rejected_with_a_reason(name):
    """Each kind of bad file raises ImageRejected with its own reason and a readable message."""
    data, reason = BAD_INPUTS[name]
    with pytest.raises(ImageRejected) as caught:
        render_renditions(data)
    assert caught.value.reason == reason
    assert str(caught.value)


def test_garbage_after_a_valid_header_is_corrupt():
    """A PNG whose pixel data is garbage raises ImageRejected('corrupt'), not a zlib error."""
    data = encode(photo((300, 200)), "PNG")
    start = data.index(b"IDAT") + 4
    broken = data[:start] + bytes(255 - b for b in data[start : start + 2000]) + data[start + 2000 :]
    with pytest.raises(ImageRejected) as caught:
        render_renditions(broken)
    assert caught.value.reason == "corrupt"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("width", "height", "limit"),
    [
        (20_000, 20_000, {}),  # 400 MP: over Pillow's hard limit
        (9_000, 9_000, {}),  # 81 MP: over our default of 80 MP
        (10_000, 10_000, {"max_pixels": 200_000_000}),  # over Pillow's (warning) limit
        (800, 600, {"max_pixels": 100_000}),  # a configured limit
    ],
)
def test_too_many_pixels_is_refused_from_the_header_before_decoding(decoding_forbidden, width, height, limit):
    """A small file claiming a huge size is rejected from its header, quickly, decoding nothing."""
    data = png_bomb(width, height)
    assert len(data) < 100_000
    started = time.perf_counter()
    with pytest.raises(ImageRejected) as caught:
        render_renditions(data, **limit)
    assert caught.value.reason == "too_many_pixels"
    assert time.perf_counter() - started < 1
    assert decoding_forbidden == []


def test_image_core_imports_neither_django_nor_boto3():
    """The thumbnail path does not pay for Django's start-up, nor need AWS."""
    code = (
        "import sys, thumbnails.images\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in {'django', 'boto3', 'botocore', 'blog'}]\n"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
