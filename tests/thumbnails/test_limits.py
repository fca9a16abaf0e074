"""What libjpeg and the encoders can take: tall images, scan bombs, an encoder refusing."""

import errno
import time

import pytest
from PIL import Image

from tests.thumbnails.pictures import decoded, encode, photo, with_repeated_scan
from thumbnails import images, limits
from thumbnails.images import ImageRejected, render_renditions

# --- tall images ----------------------------------------------------------------------


def tall_png(width: int, height: int) -> bytes:
    return encode(Image.new("RGB", (width, height), "white"), "PNG")


def test_a_long_screenshot_keeps_the_widths_webp_can_hold():
    """A 1080x30000 scrolling screenshot would be 17,778 px tall at 640 px: over WebP's 16,383.
    Only the 320 px width fits, and it is made in both formats."""
    renditions = render_renditions(tall_png(1080, 30_000))
    assert [(r.width, r.height, r.format) for r in renditions] == [
        (320, 8889, "jpeg"),
        (320, 8889, "webp"),
        (320, 8889, "avif"),
    ]
    assert all(decoded(r).size == (r.width, r.height) for r in renditions)


def test_jpeg_alone_goes_as_tall_as_jpeg_can():
    """Asked for JPEG only, the limit is JPEG's (65,500 px): every width up to the source's."""
    renditions = render_renditions(tall_png(1080, 30_000), formats=("jpeg",))
    assert [(r.width, r.height) for r in renditions] == [(320, 8889), (640, 17778), (960, 26667)]


@pytest.mark.parametrize(
    ("size", "formats"),
    [((10, 70_000), ("jpeg", "webp")), ((10, 70_000), ("jpeg",)), ((10, 20_000), ("webp",))],
)
def test_too_tall_for_every_width_is_rejected_with_a_reason(size, formats):
    """A sliver narrower than every width gets one rendition at its own width; if even that
    is too tall for an encoder, the file is refused for good, saying so."""
    with pytest.raises(ImageRejected) as caught:
        render_renditions(tall_png(*size), formats=formats)
    assert caught.value.reason == "too_tall"
    assert f"{size[1]:,} px tall" in str(caught.value)


def test_a_sliver_jpeg_can_hold_is_made():
    """10x20000 is too tall for WebP but not for JPEG."""
    [rendition] = render_renditions(tall_png(10, 20_000), formats=("jpeg",))
    assert (rendition.width, rendition.height) == (10, 20_000)


def test_an_encoder_refusing_the_pixels_is_a_rejection_not_a_retry(monkeypatch):
    """Were a limit wrong, the encoder's own refusal (WebP: ValueError) would fail the same way
    on every retry: it is a rejection, not an error that escapes."""
    monkeypatch.setitem(limits.MAX_SIDE, "webp", 20_000)
    with pytest.raises(ImageRejected) as caught:
        render_renditions(tall_png(10, 17_000), formats=("webp",))
    assert caught.value.reason == "unsupported_format"
    assert "WebP limit" in str(caught.value)


@pytest.mark.parametrize(
    "error",
    [
        MemoryError(),
        OSError(errno.ENOMEM, "Cannot allocate memory"),
        OSError(errno.EMFILE, "Too many open files"),
        OSError("out of memory error when writing image file"),  # Pillow's encoders
        ValueError("encoding error 1"),  # libwebp: VP8_ENC_ERROR_OUT_OF_MEMORY
        TypeError("a bug of ours"),
    ],
)
def test_what_may_pass_while_encoding_is_not_a_rejection(monkeypatch, error):
    """Running out of memory (or file descriptors), or a bug, is not the file's fault: it
    escapes as it is, so that the handler retries rather than refusing the photo for good."""

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(images, "_save", failing)
    with pytest.raises(type(error)) as caught:
        render_renditions(encode(photo((400, 300)), "PNG"))
    assert caught.value is error


# --- progressive JPEG scans -----------------------------------------------------------


def progressive(size=(200, 150), mode="RGB", **options) -> bytes:
    return encode(photo(size).convert(mode), "JPEG", progressive=True, **options)


def test_a_scan_bomb_is_refused_quickly_before_decoding(decoding_forbidden):
    """A valid 23 KB progressive JPEG whose last scan is repeated 500 times (each one another
    pass over every coefficient: 2 s to decode here, minutes at camera size) is refused from
    its markers alone."""
    data = with_repeated_scan(encode(Image.new("L", (2000, 2000)), "JPEG", progressive=True), 500)
    assert len(data) < 30_000
    started = time.perf_counter()
    with pytest.raises(ImageRejected) as caught:
        render_renditions(data)
    assert time.perf_counter() - started < 0.5
    assert caught.value.reason == "too_many_scans"
    assert "over 100 scans" in str(caught.value)
    assert decoding_forbidden == []


def test_up_to_the_limit_of_scans_is_fine():
    """Pillow writes 10 scans for colour: 90 more make 100 (fine), 91 more make 101 (refused)."""
    source = progressive()
    assert len(render_renditions(with_repeated_scan(source, 90), formats=("jpeg",))) == 1
    with pytest.raises(ImageRejected) as caught:
        render_renditions(with_repeated_scan(source, 91), formats=("jpeg",))
    assert caught.value.reason == "too_many_scans"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(progressive((900, 700)), id="colour"),
        pytest.param(progressive((900, 700), "L"), id="grey"),
        pytest.param(encode(photo((900, 700)), "JPEG"), id="baseline"),
        pytest.param(progressive((900, 700), restart_marker_blocks=1), id="restart markers"),
        # Markers inside a segment's payload are not markers: the length skips them.
        pytest.param(progressive(comment=b"\xff\xda\x00\x02" * 500), id="SOS bytes in a comment"),
    ],
)
def test_ordinary_jpegs_are_not_counted_as_bombs(data):
    """Real photos' scans, restart markers and the 0xFF bytes of entropy-coded data are
    counted as libjpeg reads them: none of these comes near the limit."""
    assert render_renditions(data, formats=("jpeg",))
