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
