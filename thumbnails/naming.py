"""Where renditions live: pure functions over S3 keys, shared by the handler and by `blog`.

An upload ``uploads/2026/11/a.jpg`` gets its renditions in a folder of their own,
``renditions/2026/11/a/640.webp``. The prefix differs so that the S3 trigger, which filters
on ``uploads/``, can never fire on our own output; one folder per source means all of a
photo's renditions can be listed or deleted with one prefix.

Keys here are the decoded object keys (S3 events URL-encode them; decoding is the handler's
job). Two uploads differing only in their extension (``a.jpg``, ``a.png``) share a folder.
"""

import posixpath

UPLOAD_PREFIX = "uploads/"
RENDITION_PREFIX = "renditions/"
MANIFEST = "manifest.json"

# The widths a browser can pick from in `srcset`, narrowest first.
WIDTHS = (320, 640, 960, 1280, 1920)

# Format name (as `render_renditions` takes it) -> file extension, and -> Content-Type.
EXTENSIONS = {"jpeg": "jpg", "webp": "webp", "avif": "avif"}
CONTENT_TYPES = {"jpeg": "image/jpeg", "webp": "image/webp", "avif": "image/avif"}


def is_upload_key(key: str) -> bool:
    """True if `key` names an uploaded file whose renditions we make.

    False for keys outside the upload prefix, for "folder" placeholders (keys ending in
    ``/``, which the S3 console creates) and for keys with ``.`` or ``..`` segments, which
    would mean something else on a local file system.
    """
    if not key.startswith(UPLOAD_PREFIX) or key.endswith("/"):
        return False
    segments = key[len(UPLOAD_PREFIX) :].split("/")
    return all(segment not in ("", ".", "..") for segment in segments)


def rendition_prefix(source_key: str) -> str:
    """The folder holding every rendition of `source_key`, with a trailing slash.

    Raises ValueError if `source_key` is not an upload key (see `is_upload_key`).
    """
    if not is_upload_key(source_key):
        raise ValueError(f"not an upload key (expected {UPLOAD_PREFIX!r}...): {source_key!r}")
    folder, name = posixpath.split(source_key[len(UPLOAD_PREFIX) :])
    # splitext keeps dotted names whole ("a.b.jpg" -> "a.b") and leaves ".jpg" alone.
    stem = posixpath.splitext(name)[0]
    return RENDITION_PREFIX + posixpath.join(folder, stem) + "/"


def rendition_key(source_key: str, width: int, fmt: str) -> str:
    """The key of `source_key`'s rendition `width` pixels wide in format `fmt`.

    >>> rendition_key("uploads/2026/11/a.jpg", 640, "webp")
    'renditions/2026/11/a/640.webp'
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive integer, not {width!r}")
    return f"{rendition_prefix(source_key)}{width}.{extension(fmt)}"


def is_rendition_name(name: str) -> bool:
    """True if `name`, a file name in a rendition folder, is one `rendition_key` makes
    (``640.webp``): not the manifest, nor a sub-folder of another photo's renditions."""
    width, dot, ext = name.partition(".")
    return (
        bool(dot) and ext in EXTENSIONS.values() and width.isascii() and width.isdigit() and width[0] != "0"
    )


def rendition_widths(source_width: int, widths: tuple[int, ...] = WIDTHS) -> list[int]:
    """The widths, narrowest first, to make for a source `source_width` pixels wide.

    Never wider than the source (no upscaling); a source narrower than every width gets
    one rendition at its own width.
    """
    if source_width < 1:
        raise ValueError(f"source width must be positive, not {source_width!r}")
    fitting = sorted({width for width in widths if width <= source_width})
    return fitting or [source_width]


# S3's longest key, in UTF-8 bytes.
MAX_KEY_BYTES = 1024


def renditions_fit(source_key: str) -> bool:
    """True if every key made for `source_key` is one S3 can store. The manifest's is the
    longest, and it is ~17 bytes longer than the upload's own: an upload key near S3's limit
    leaves no room for it, and every write would fail, for ever."""
    return len(manifest_key(source_key).encode()) <= MAX_KEY_BYTES


def manifest_key(source_key: str) -> str:
    """Where the handler records a photo's outcome (status, renditions, or the reason it was
    rejected), beside its renditions."""
    return rendition_prefix(source_key) + MANIFEST


def extension(fmt: str) -> str:
    """The file extension, without a dot, for format `fmt` ("jpeg" -> "jpg")."""
    try:
        return EXTENSIONS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(EXTENSIONS)}") from None


def content_type(fmt: str) -> str:
    """The Content-Type to store a rendition of format `fmt` with."""
    extension(fmt)  # same check, same message
    return CONTENT_TYPES[fmt]
