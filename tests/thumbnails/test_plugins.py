"""The image core loads the Pillow format plugins it reads and writes, and no others: Pillow's
full scan (Image.init(), ~45 modules) costs 20-30 ms of a photo's cold start."""

import subprocess
import sys

from tests.thumbnails.pictures import encode, photo
from tests.thumbnails.test_formats import heic, smooth

PROBE = """
import sys
from pathlib import Path
import thumbnails.images as images

folder = Path(sys.argv[1])
for name in ("photo.jpg", "photo.png", "phone.heic"):
    images.render_renditions((folder / name).read_bytes(), widths=(160,))
loaded = sorted(m.split(".")[1] for m in sys.modules if m.startswith("PIL.") and m.endswith("ImagePlugin"))
print(" ".join(loaded))
"""
# What Pillow's preinit() loads whatever we do (BMP, PPM with JPEG, PNG and GIF), and ours.
EXPECTED = {
    "AvifImagePlugin",
    "BmpImagePlugin",
    "GifImagePlugin",
    "JpegImagePlugin",
    "MpoImagePlugin",
    "PngImagePlugin",
    "PpmImagePlugin",
    "TiffImagePlugin",
    "WebPImagePlugin",
}


def test_rendering_jpeg_png_and_heic_loads_only_the_plugins_the_core_uses(tmp_path):
    """JPEG, PNG and HEIC in, JPEG, WebP and AVIF out, in a fresh process: no full plugin scan
    (Image.init() would load FITS, PSD, ICNS... too), and HEIC still reads (pi-heif's plugin)."""
    (tmp_path / "photo.jpg").write_bytes(encode(photo((320, 240)), "JPEG"))
    (tmp_path / "photo.png").write_bytes(encode(photo((320, 240)), "PNG"))
    (tmp_path / "phone.heic").write_bytes(heic(smooth((320, 240))))
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert {"JpegImagePlugin", "WebPImagePlugin", "AvifImagePlugin"} <= loaded
    assert loaded <= EXPECTED, sorted(loaded - EXPECTED)
