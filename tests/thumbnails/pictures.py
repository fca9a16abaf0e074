"""Helpers for the image-core tests: images made in memory with Pillow, and ways to compare them."""

import io

from PIL import Image, ImageChops, ImageStat

from thumbnails.images import Rendition


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def decoded(rendition: Rendition) -> Image.Image:
    img = Image.open(io.BytesIO(rendition.data))
    img.load()
    return img


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0-255."""
    assert a.size == b.size
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def mean_colour(img: Image.Image) -> tuple[float, ...]:
    return tuple(ImageStat.Stat(img).mean)


def close_to(actual, expected, tolerance=6.0) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def photo(size=(1000, 750)) -> Image.Image:
    """Grey texture without symmetry, so that a wrong turn or a mirror image shows."""
    img = Image.radial_gradient("L").resize(size).convert("RGB")
    noise = Image.effect_noise(size, 40).convert("RGB")
    return Image.blend(img, noise, 0.3)


def with_repeated_scan(data: bytes, times: int) -> bytes:
    """The progressive JPEG `data` with its last scan (SOS segment and entropy-coded data)
    repeated `times` more times: still valid (the Huffman tables in force are the last scan's),
    and each repeat is another full pass for libjpeg. As Pillow writes it: the last scan runs
    to the EOI, and an SOS marker cannot occur in entropy-coded data (0xFF is stuffed there)."""
    assert data.endswith(b"\xff\xd9")
    last = data.rindex(b"\xff\xda")
    return data[:-2] + data[last:-2] * times + b"\xff\xd9"


# --- photos stored turned or mirrored, as cameras store them ------------------------------
# EXIF's Orientation tag (274, from TIFF 6.0): which side of the picture as seen holds the
# stored image's first row, and which its first column. Written out from the specification,
# not from Pillow, whose own table the code under test uses.
ORIENTATIONS = {
    1: ("top", "left"),
    2: ("top", "right"),
    3: ("bottom", "right"),
    4: ("bottom", "left"),
    5: ("left", "top"),
    6: ("right", "top"),
    7: ("right", "bottom"),
    8: ("left", "bottom"),
}
_OPPOSITE = {"top": "bottom", "bottom": "top", "left": "right", "right": "left"}
# The picture as seen: one colour a quarter, so each of the eight ways to store it (turned,
# mirrored or both) puts a different colour in the stored image's first corner.
QUARTERS = {
    ("top", "left"): (220, 40, 40),
    ("top", "right"): (40, 180, 60),
    ("bottom", "left"): (40, 70, 220),
    ("bottom", "right"): (240, 220, 40),
}


def _corner(*sides):
    """The QUARTERS key for two sides given in either order."""
    vertical = next(s for s in sides if s in ("top", "bottom"))
    horizontal = next(s for s in sides if s in ("left", "right"))
    return vertical, horizontal


def quarters(size, corner_colours):
    """An image of `size` whose quarters are coloured (first row or last, first column or last)."""
    width, height = size
    img = Image.new("RGB", size)
    for (row, column), colour in corner_colours.items():
        left = 0 if column == "first" else width // 2
        top = 0 if row == "first" else height // 2
        img.paste(colour, (left, top, left + width // 2, top + height // 2))
    return img


def as_seen(size):
    """The upright picture: `size` as seen, QUARTERS in their places."""
    places = {"top": "first", "bottom": "last", "left": "first", "right": "last"}
    return quarters(size, {(places[v], places[h]): colour for (v, h), colour in QUARTERS.items()})


def stored_with_orientation(size, orientation):
    """(JPEG bytes, upright picture): `as_seen(size)` stored as a camera does with EXIF tag
    `orientation` (0: no tag, stored upright)."""
    upright = as_seen(size)
    if orientation == 0:
        return encode(upright, "JPEG", quality=95), upright
    row_side, column_side = ORIENTATIONS[orientation]
    sideways = row_side in ("left", "right")  # rows run down the picture: stored turned a quarter
    stored_size = (size[1], size[0]) if sideways else size
    corners = {}
    for row in ("first", "last"):
        for column in ("first", "last"):
            seen_row = row_side if row == "first" else _OPPOSITE[row_side]
            seen_column = column_side if column == "first" else _OPPOSITE[column_side]
            corners[(row, column)] = QUARTERS[_corner(seen_row, seen_column)]
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(quarters(stored_size, corners), "JPEG", quality=95, exif=exif), upright
