"""Rendition keys and widths: pure functions over S3 keys."""

import subprocess
import sys
from pathlib import Path

import pytest

from thumbnails.naming import (
    RENDITION_PREFIX,
    UPLOAD_PREFIX,
    WIDTHS,
    content_type,
    extension,
    is_upload_key,
    rendition_key,
    rendition_prefix,
    rendition_widths,
)


def test_the_documented_example():
    """An upload's renditions live in a folder named after it, under the renditions prefix."""
    assert rendition_key("uploads/2026/11/a.jpg", 640, "webp") == "renditions/2026/11/a/640.webp"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("uploads/a.jpg", "renditions/a/320.jpg"),
        ("uploads/2026/11/A.JPG", "renditions/2026/11/A/320.jpg"),
        ("uploads/2026/11/my holiday photo.jpeg", "renditions/2026/11/my holiday photo/320.jpg"),
        ("uploads/2026/11/Café à Zürich 東京.png", "renditions/2026/11/Café à Zürich 東京/320.jpg"),
        ("uploads/2026/11/img.2026.11.05.final.webp", "renditions/2026/11/img.2026.11.05.final/320.jpg"),
        ("uploads/2026/11/no-extension", "renditions/2026/11/no-extension/320.jpg"),
        ("uploads/2026/11/.jpg", "renditions/2026/11/.jpg/320.jpg"),
        ("uploads/a/b/c/d.gif", "renditions/a/b/c/d/320.jpg"),
    ],
)
def test_keys_of_every_shape_map_to_a_folder_per_source(source, expected):
    """Spaces, unicode, upper-case extensions and dotted names keep their name, lose the extension."""
    assert is_upload_key(source)
    assert rendition_key(source, 320, "jpeg") == expected


@pytest.mark.parametrize(
    ("fmt", "suffix", "mime"),
    [("jpeg", "jpg", "image/jpeg"), ("webp", "webp", "image/webp"), ("avif", "avif", "image/avif")],
)
def test_each_format_has_its_extension_and_content_type(fmt, suffix, mime):
    """jpeg is stored as .jpg; every format has the Content-Type browsers expect."""
    assert extension(fmt) == suffix
    assert content_type(fmt) == mime
    assert rendition_key("uploads/a.png", 960, fmt) == f"renditions/a/960.{suffix}"


@pytest.mark.parametrize(
    "key",
    [
        "a.jpg",
        "renditions/2026/11/a/640.webp",
        "Uploads/a.jpg",
        "/uploads/a.jpg",
        "uploads/",
        "uploads/2026/11/",
        "uploads/../secrets.jpg",
        "uploads/2026/./a.jpg",
        "uploads/2026//a.jpg",
        "",
    ],
)
def test_keys_outside_the_upload_prefix_are_refused(key):
    """Anything but a file under uploads/ (folders, traversal, our own output) raises ValueError."""
    assert not is_upload_key(key)
    with pytest.raises(ValueError, match="not an upload key"):
        rendition_key(key, 640, "webp")


def test_renditions_never_land_under_the_upload_prefix():
    """The S3 trigger filters on uploads/, so a rendition can never trigger the function again."""
    assert not RENDITION_PREFIX.startswith(UPLOAD_PREFIX)
    key = rendition_key("uploads/uploads/a.jpg", 320, "jpeg")
    assert key == "renditions/uploads/a/320.jpg"
    assert not is_upload_key(key)


def test_all_renditions_of_a_source_share_one_prefix():
    """Every width and format of one upload sits under rendition_prefix, e.g. to delete them."""
    prefix = rendition_prefix("uploads/2026/11/a.jpg")
    assert prefix == "renditions/2026/11/a/"
    assert all(
        rendition_key("uploads/2026/11/a.jpg", w, f).startswith(prefix)
        for w in WIDTHS
        for f in ("jpeg", "webp")
    )


@pytest.mark.parametrize(
    ("fmt", "width"),
    [("png", 640), ("JPEG", 640), ("jpg", 640), ("webp", 0), ("webp", -1), ("webp", 6.5), ("webp", True)],
)
def test_bad_formats_and_widths_raise(fmt, width):
    """An unknown format or a width that is not a positive integer is a programming error."""
    with pytest.raises(ValueError):
        rendition_key("uploads/a.jpg", width, fmt)


@pytest.mark.parametrize(
    ("source_width", "expected"),
    [
        (6000, [320, 640, 960, 1280, 1920]),
        (1920, [320, 640, 960, 1280, 1920]),
        (1919, [320, 640, 960, 1280]),
        (1000, [320, 640, 960]),
        (320, [320]),
        (319, [319]),
        (1, [1]),
    ],
)
def test_widths_are_never_wider_than_the_source(source_width, expected):
    """The standard widths up to the source's; a source under 320 px gets its own width only."""
    assert rendition_widths(source_width) == expected


def test_custom_widths_are_sorted_and_deduplicated():
    """Widths may be given in any order; the result is narrowest first, each once."""
    assert rendition_widths(800, (640, 100, 640, 1600)) == [100, 640]


def test_a_source_without_width_is_refused():
    """A zero width cannot come from a real image: it is an error, not an empty list."""
    with pytest.raises(ValueError):
        rendition_widths(0)


def test_naming_does_not_import_pillow():
    """Naming is pure: `blog` can name renditions for srcset without loading Pillow."""
    code = "import sys, thumbnails.naming; assert 'PIL' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
