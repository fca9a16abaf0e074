"""Photo renditions with Pillow and nothing else: bytes in, renditions out.

The speed comes from doing little, not from doing it cleverly: a JPEG is decoded at the
smallest of 1/1, 1/2, 1/4, 1/8 scale that still covers the largest rendition (libjpeg does
this while decoding, for a fraction of the time and memory), each smaller rendition is made
from the next wider one rather than from the source, and rotation and colour conversion run
on the largest rendition rather than on the source. Encoding is most of what is left, so the
encoders run at their fast settings (SAVE_OPTIONS). All of it runs on one thread: the
function has one vCPU (see SAVE_OPTIONS), and a second thread would only add memory.

Every failure that is the file's fault raises `ImageRejected` with a short `reason` (it and
the limits checked before decoding and encoding live in `limits`).
"""

import contextlib
import functools
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from PIL import (
    AvifImagePlugin,
    ExifTags,
    GifImagePlugin,
    Image,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
    features,
)

from thumbnails import colour, limits
from thumbnails.limits import ImageRejected
from thumbnails.naming import CONTENT_TYPES, WIDTHS, rendition_widths

# 80 MP: every camera short of medium format, and a 16000x4000 panorama. Pillow's own limit
# (Image.MAX_IMAGE_PIXELS, ~89 MP, process-wide) applies too: see _open.
DEFAULT_MAX_PIXELS = 80_000_000
DEFAULT_FORMATS = ("jpeg", "webp", "avif")

# Pillow identifies a file by its content, never by its name, and tries only these decoders:
# fewer parsers exposed to uploads. A JPEG with several pictures (MPO) counts as JPEG. HEIF
# (iPhones' HEIC) comes from the pi-heif plugin, registered only when a file looks like one.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "AVIF", "HEIF")
_BUILT_IN = tuple(fmt for fmt in ACCEPTED_FORMATS if fmt != "HEIF")
# Their plugins, imported by name: each registers itself in Image.OPEN and Image.SAVE. Were
# one missing, Pillow's save(format="WEBP") or open(formats=...) would call Image.init(), which
# imports all ~45 of its format plugins (20-30 ms of a cold start) to find it. MPO comes with JPEG.
_PLUGINS = (
    AvifImagePlugin,
    GifImagePlugin,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)
# The ISO-BMFF brands of HEIF images with HEVC pictures (AVIF's own, `avif`/`avis`, are
# Pillow's). `mif1`/`msf1` are generic: an AVIF may carry them too, so Pillow's AVIF decoder
# is still tried first.
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)

# Chosen for the function's 1,769 MB (stages.toml), where Lambda gives exactly one vCPU, so
# the CPU time is what a photo costs and waits for (README, "Thumbnails"). Measured with
# bench/thumbnails.py on 12 and 24 MP photo-like images. Qualities: the lowest whose delivered
# 1920 px files keep 38 dB PSNR against a full-resolution Lanczos resize (quality 80 gave
# 36.5-37.5 dB). Browsers that read AVIF (most) fetch it, then WebP, and JPEG only as the
# last fallback, so the fallbacks get fast settings. WebP: method 0 takes ~0.4x method 4's
# CPU at the same quality, for ~7% more bytes and ~0.4 dB less (method 2: ~0.5x, +2%, the
# same dB as 0); WebP is most of the CPU. JPEG: baseline; progressive with the same
# quantization would be ~3% smaller for ~2.5x the encoding time. AVIF (libaom):
# speed 9 takes about WebP's time for 0.7x its bytes (speed 6, Pillow's default, 4.5x).
SAVE_OPTIONS = {
    "jpeg": ("JPEG", {"quality": 86, "progressive": False, "optimize": True, "subsampling": "4:2:0"}),
    "webp": ("WEBP", {"quality": 88, "method": 0}),
    "avif": ("AVIF", {"quality": 68, "speed": 9, "max_threads": 1}),
}
_BANDS = 8  # see _resize_in_bands

# ImageOps.exif_transpose's table, applied after the resize, where it moves fewer pixels.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_AXES = {5, 6, 7, 8}


@dataclass(frozen=True, slots=True)
class Rendition:
    width: int
    height: int
    format: str  # "jpeg", "webp" or "avif", as in naming.rendition_key
    content_type: str
    data: bytes = field(repr=False)


def render_renditions(
    data: bytes,
    *,
    widths: tuple[int, ...] = WIDTHS,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> list[Rendition]:
    """Every rendition of the image in `data`: narrowest first, then in the order of `formats`.

    Widths wider than the (upright) source are skipped; a source narrower than all of them
    gets one rendition at its own width. Widths too tall for an encoder are skipped too, and
    a source too tall for all of them rejected. The output is upright, sRGB, has no metadata,
    and is the same bytes for the same input. Raises ImageRejected for a bad file.
    """
    formats = _check_formats(formats)
    img, sizes = _decode(data, widths, max_pixels, formats)
    by_size = {}
    with limits.encoder_refusals():
        # Widest first, each width resized from the one before: a smaller source is less work
        # for the same result (>= 50 dB PSNR against a resize from the source), and only one
        # width's pixels are held at a time (with the next one, while it is made).
        for size in reversed(sizes):
            if size != img.size:
                img = img.resize(size, Image.Resampling.LANCZOS)
            by_size[size] = _encode(img, formats)
    return [rendition for size in sizes for rendition in by_size[size]]


def load_upright(data: bytes, width: int, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The image in `data` as `render_renditions` sees it before encoding: upright, sRGB,
    RGB or RGBA, without metadata, `width` pixels wide (or the source's width if narrower)."""
    return _decode(data, (width,), max_pixels)[0]


def _decode(
    data: bytes, widths: tuple[int, ...], max_pixels: int, formats=()
) -> tuple[Image.Image, list[tuple[int, int]]]:
    """The largest rendition's pixels, and the sizes to make, narrowest first."""
    if not widths or not all(isinstance(w, int) and w > 0 for w in widths):
        raise ValueError(f"widths must be positive integers, not {widths!r}")
    if not data:
        raise ImageRejected("empty", "the file is empty")
    with _untrusted_input():
        img = _open(data, max_pixels)
    with img:  # closing frees the decoded source (up to hundreds of MB) before encoding
        if img.format in ("JPEG", "MPO"):
            limits.check_jpeg_scans(data)
        colour.keep_sixteen_bit_key(img)
        with _untrusted_input():
            if img.format not in ("JPEG", "MPO"):
                # No draft to set up, so decode now: getexif() would decode a PNG itself
                # (looking for an eXIf chunk after the pixels) and we would lose its errors.
                img.load()
            orientation = _orientation(img)
            up_width, up_height = img.size[::-1] if orientation in _SWAPS_AXES else img.size
            # Heights from the source's proportions, not from a rounded rendition's.
            sizes = [(w, max(1, round(w * up_height / up_width))) for w in rendition_widths(up_width, widths)]
            sizes = limits.encodable(sizes, formats)
            stored = sizes[-1][::-1] if orientation in _SWAPS_AXES else sizes[-1]
            # JPEG only: libjpeg decodes at 1/2, 1/4 or 1/8 scale, the smallest still >= `stored`.
            # `box` is the source's exact extent in the smaller image (it may end mid-pixel).
            drafted = img.draft("RGB", stored)
            box = drafted[1] if drafted else None
            img.load()  # a no-op if done above; the first frame only: we never seek
            icc_profile = img.info.get("icc_profile")
            frame = colour.resizable(img)
        frame = _resize_in_bands(frame, stored, box)
    if orientation in _TRANSPOSE:
        frame = frame.transpose(_TRANSPOSE[orientation])
    frame = colour.to_srgb(frame, icc_profile)
    frame.info.clear()  # EXIF, XMP, comments, the ICC profile: savers must find nothing to copy
    return frame, sizes


@contextlib.contextmanager
def _untrusted_input() -> Iterator[None]:
    """Turn what Pillow raises on a bad file into ImageRejected, decompression bombs included."""
    try:
        yield
    except (ImageRejected, MemoryError):
        raise
    except colour.UnsupportedMode as exc:
        raise ImageRejected("unsupported_format", str(exc)) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning arrives as an exception where warnings are errors (pytest -W error).
        raise ImageRejected("too_many_pixels", f"too many pixels: {exc}") from exc
    except Exception as exc:  # any parser error on hostile input is the input's fault
        if "truncated" in str(exc).lower():
            raise ImageRejected("truncated", f"the image is truncated: {exc}") from exc
        raise ImageRejected("corrupt", f"the image data is corrupt: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Identified:
    format: str  # Pillow's name: "JPEG", "PNG", "HEIF"...
    width: int  # upright, as readers see it (EXIF orientation applied)
    height: int


def identify(head: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Identified:
    """What the image starting with `head` (its first bytes are enough) is, by its content:
    format and upright size, nothing decoded. ImageRejected (not_an_image,
    unsupported_format, too_many_pixels) for what `render_renditions` would refuse on sight;
    Pillow's own errors if `head` stops before the header does (read more and try again)."""
    if not head:
        raise ImageRejected("empty", "the file is empty")
    with _open(head, max_pixels) as img:
        orientation = _orientation(img)
        width, height = img.size[::-1] if orientation in _SWAPS_AXES else img.size
        return Identified("JPEG" if img.format == "MPO" else img.format, width, height)


def known_signature(head: bytes) -> str | None:
    """The accepted format whose signature `head` starts with, or None: for a header too
    long to read whole (a TIFF's directory may sit at its end)."""
    formats = ACCEPTED_FORMATS if looks_like_heif(head) and _heif_registered() else _BUILT_IN
    for fmt in formats:
        accept = Image.OPEN.get(fmt, (None, None))[1]
        if accept and accept(head[:16]):
            return fmt
    return None


def looks_like_heif(data: bytes) -> bool:
    """True if `data` starts like a HEIF image (an ISO-BMFF `ftyp` box naming a HEIF brand)."""
    if data[4:8] != b"ftyp":
        return False
    # The major brand, then (after a 4-byte minor version) the compatible brands.
    end = min(max(int.from_bytes(data[:4], "big"), 16), 64)
    brands = [data[8:12], *(data[i : i + 4] for i in range(16, end - 3, 4))]
    return any(brand in HEIF_BRANDS for brand in brands)


def open_image(data: bytes) -> Image.Image:
    """`data` opened by the first accepted decoder that knows it: header read, nothing
    decoded. UnidentifiedImageError if none does. A prefix of the file is enough to learn its
    format and size (the admin reads the first bytes of an upload with it)."""
    formats = ACCEPTED_FORMATS if looks_like_heif(data) and _heif_registered() else _BUILT_IN
    return Image.open(io.BytesIO(data), formats=formats)


@functools.cache
def _heif_registered() -> bool:
    """Register pi-heif's HEIF decoder with Pillow, once, the first time a HEIF file arrives:
    its import (libheif and libde265, 25-50 ms) stays off every other path. pi-heif is
    pillow-heif's decode-only build (no x265 encoder: 1.5 MB in the zip, not 5.7 MB). HDR
    (10-bit) pictures are decoded to 8 bits, with the HEIF transforms (rotation, mirror)
    applied, as readers' browsers show the photo."""
    try:
        import pi_heif
    except ImportError:  # not installed: HEIF files are refused as an unsupported format
        return False
    pi_heif.register_heif_opener()
    return True


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Read the header, check the size, decode nothing."""
    try:
        img = open_image(data)
    except UnidentifiedImageError:
        raise _unidentified(data) from None
    width, height = img.size
    # Pillow only *warns* between its limit and twice that (it raises above). We refuse at its
    # limit too, by checking it here rather than by turning warnings into errors, which in
    # Python 3.12 would change a process-wide filter under other threads' feet.
    max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    if width * height > max_pixels:
        img.close()
        raise ImageRejected(
            "too_many_pixels",
            f"{width}x{height} is {width * height:,} pixels, over the limit of {max_pixels:,}",
        )
    return img


def _unidentified(data: bytes) -> ImageRejected:
    """Say whether Pillow knows the format (we do not take it) or it is not an image at all."""
    if looks_like_heif(data):
        # A HEIF file the plugin could not read (or no plugin): not the same as "no image".
        return ImageRejected("unsupported_format", "this HEIF/HEIC image cannot be read")
    try:
        with Image.open(io.BytesIO(data)) as img:  # header only: nothing is decoded
            fmt = img.format
    except Exception:
        return ImageRejected("not_an_image", "the file is not an image (or not one we can read)")
    return ImageRejected(
        "unsupported_format", f"{fmt} images are not accepted; upload {', '.join(ACCEPTED_FORMATS)}"
    )


def _orientation(img: Image.Image) -> int:
    """The EXIF (or XMP) orientation, 1 if absent or unreadable."""
    try:
        value = img.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # a broken EXIF block loses its orientation, not the photo
        return 1
    return value if value in _TRANSPOSE else 1


def _resize_in_bands(img: Image.Image, size: tuple[int, int], box: tuple[float, ...] | None) -> Image.Image:
    """A Lanczos resize of `img` (the `box` part of it) to `size`, in horizontal bands.

    Pillow resizes in two passes through an intermediate image as tall as the source; band by
    band, that intermediate is an eighth of the size (peak memory). The bands overlap by the
    filter's reach, so the seams do not show; the result is always the same for the same input.
    """
    box = box or (0, 0, *img.size)
    if size == img.size and box == (0, 0, *img.size):
        return img.copy()  # a copy: the caller closes the source
    # Premultiply once, not once per band as resize() would: alpha must not bleed colour.
    premultiplied = {"RGBA": "RGBa", "LA": "La"}.get(img.mode)
    if premultiplied:
        img = img.convert(premultiplied)
    out = Image.new(img.mode, size)
    width, height = size
    bands = min(_BANDS, height)
    edges = [round(height * i / bands) for i in range(bands + 1)]
    rows_per_row = (box[3] - box[1]) / height

    for top, bottom in itertools.pairwise(edges):
        source = (box[0], box[1] + top * rows_per_row, box[2], box[1] + bottom * rows_per_row)
        part = img.resize((width, bottom - top), Image.Resampling.LANCZOS, box=source, reducing_gap=3.0)
        out.paste(part, (0, top))
    return out.convert(img.mode.replace("a", "A")) if premultiplied else out


def _encode(img: Image.Image, formats: tuple[str, ...]) -> list[Rendition]:
    """`img` encoded in each format."""
    flat = None
    renditions = []
    for fmt in formats:
        pil_format, options = SAVE_OPTIONS[fmt]
        target = img
        if fmt == "jpeg" and img.mode == "RGBA":
            if flat is None:  # JPEG has no alpha: flatten onto white, not onto black
                flat = Image.new("RGB", img.size, "white")
                flat.paste(img, mask=img.getchannel("A"))
            target = flat
        renditions.append(
            Rendition(img.width, img.height, fmt, CONTENT_TYPES[fmt], _save(target, pil_format, options))
        )
    return renditions


def _save(img: Image.Image, pil_format: str, options: dict) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, pil_format, **options)
    return buffer.getvalue()


def _check_formats(formats: tuple[str, ...]) -> tuple[str, ...]:
    formats = tuple(formats)
    unknown = [fmt for fmt in formats if fmt not in SAVE_OPTIONS]
    if not formats or unknown or len(set(formats)) != len(formats):
        raise ValueError(f"formats must be distinct names from {sorted(SAVE_OPTIONS)}, not {formats!r}")
    if "avif" in formats and not features.check("avif"):
        raise ValueError("this Pillow was built without AVIF support")
    return formats
