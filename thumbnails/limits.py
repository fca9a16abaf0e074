"""What libjpeg and the encoders can take, checked before the work that would cross it, and
the exception for a file that cannot be made into renditions.

Crossing one of these limits is the file's doing: a retry would fail the same way, so each is
an ImageRejected, which the handler records for good. Nothing here imports Pillow.
"""

import contextlib
import re
from collections.abc import Iterator

# The longest side each encoder can write. WebP's sizes are 14-bit fields in its bitstream;
# libjpeg refuses above 65,500 (JPEG_MAX_DIMENSION); AV1 (AVIF) takes up to 65,536.
MAX_SIDE = {"jpeg": 65_500, "webp": 16_383, "avif": 65_536}

# Each scan of a progressive JPEG sends libjpeg over every coefficient again, so a small file
# repeating one scan thousands of times takes minutes to decode (1,500 scans in 636 KB: 79 s,
# past the Lambda's timeout). libjpeg writes 10 scans for colour, 6 for grey; djpeg's
# -maxscans is the same defence.
MAX_SCANS = 100
# Marker segments a JPEG may have in all: a photo has a few dozen (APPn, tables, a DHT per
# scan, an ICC profile in a few APP2 chunks). The cap bounds the time `jpeg_scans` takes.
MAX_SEGMENTS = 10_000

# A marker is 0xFF then a byte other than 0x00 (a stuffed 0xFF in entropy-coded data) or 0xFF
# (padding before a marker). RSTn and TEM have no length and do not end a scan, so they are
# not matched at all: skipping them is the regex engine's work, not a Python loop's.
_MARKER = re.compile(rb"\xff([^\x00\x01\xd0-\xd7\xff])")
_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA


class ImageRejected(Exception):
    """The upload cannot be made into renditions; `reason` says why in one word.

    Reasons: empty, not_an_image, unsupported_format, truncated, too_many_pixels, too_tall,
    too_many_scans, corrupt; and too_large, from the handler.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def encodable(sizes: list[tuple[int, int]], formats: tuple[str, ...]) -> list[tuple[int, int]]:
    """The `sizes` (narrowest first) every encoder in `formats` can write; ImageRejected
    ("too_tall") if none. No formats, no limit."""
    longest = min((MAX_SIDE[fmt] for fmt in formats), default=None)
    if longest is None:
        return sizes
    fitting = [size for size in sizes if max(size) <= longest]
    if not fitting:
        width, height = sizes[0]
        raise ImageRejected(
            "too_tall",
            f"the image is too tall: even {width} px wide it would be {height:,} px tall, over the "
            f"{longest:,} px that {'/'.join(formats).upper()} can hold",
        )
    return fitting


def check_jpeg_scans(data: bytes) -> None:
    """Refuse the JPEG `data` if libjpeg would take too long over its scans."""
    scans = jpeg_scans(data, stop_after=MAX_SCANS)
    if scans is None:
        raise ImageRejected("corrupt", f"the JPEG has over {MAX_SEGMENTS:,} marker segments")
    if scans > MAX_SCANS:
        raise ImageRejected(
            "too_many_scans",
            f"the JPEG has over {MAX_SCANS} scans (a photo has about 10) and would take too long to decode",
        )


def jpeg_scans(data: bytes, *, stop_after: int) -> int | None:
    """How many scans (SOS markers) libjpeg would decode in the JPEG `data`, counting no
    further than `stop_after` + 1; None if it has over MAX_SEGMENTS marker segments.

    Walks the markers as libjpeg reads them: a segment's length skips its payload; after a
    scan's header the entropy-coded data runs to the next marker, and bytes that are not part
    of a marker are skipped, as libjpeg skips them. It stops at the first EOI: an MPO's first
    picture is all we decode. A broken structure ends the count, as the decoder will refuse it.
    """
    if not data.startswith(b"\xff\xd8"):
        return 0
    scans, position = 0, 2
    for _ in range(MAX_SEGMENTS):
        match = _MARKER.search(data, position)
        if match is None:
            return scans
        marker, position = match.group(1)[0], match.end()
        if marker in (_EOI, _SOI):  # the end, or a second SOI, which libjpeg refuses
            return scans
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2:  # libjpeg refuses it, or the file ends here
            return scans
        if marker == _SOS:
            scans += 1
            if scans > stop_after:
                return scans
        position += length
    return None


@contextlib.contextmanager
def encoder_refusals() -> Iterator[None]:
    """Turn an encoder refusing the pixels into ImageRejected.

    Within MAX_SIDE an encoder should not refuse; if one still does, the same pixels fail the
    same way every time and a retry would loop forever. Whatever may pass (memory, the OS)
    and our own bugs (TypeError and the like) go through untouched, to be retried.
    """
    try:
        yield
    except (ValueError, OSError, RuntimeError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise  # from the OS (no memory, no file descriptor), not from the encoder
        # Pillow: "out of memory error when writing image file"; libwebp: "encoding error 1"
        # and "2" (VP8_ENC_ERROR_OUT_OF_MEMORY, VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY).
        message = str(exc).lower()
        if "memory" in message or re.match(r"encoding error [12]\b", message):
            raise
        raise ImageRejected("unsupported_format", f"the renditions cannot be encoded: {exc}") from exc
