"""The full rendition set (5 widths x JPEG + WebP) three ways: ours, naive Pillow, pyvips;
and ours again with AVIF beside them (the default since AVIF is on), to show what it costs.

    .venv/bin/python bench/thumbnails.py [--runs 5]

Inputs are made here, in memory, and written as camera-like JPEGs (quality 90): a 12 MP
(4000x3000) and a 24 MP (6000x4000) photo and a 16000x4000 panorama. "Photo-like" means
smooth colour fields, hard-edged objects and texture at several scales plus sensor grain,
so the decoders and encoders do realistic work (flat colour would flatter everyone).

- ours: `thumbnails.images.render_renditions` with JPEG and WebP (what the others make).
- ours+avif: the same with AVIF too, as the handler runs it (`DEFAULT_FORMATS`).
- naive Pillow: decode the full image once, resize(LANCZOS) to each width from it, save
  each format, one thread. Same encoder settings as ours, so only the pipeline differs.
- pyvips: `thumbnail_buffer` once to the largest width (libvips shrinks on load, like our
  draft), kept in memory, `thumbnail_image` from it for the smaller widths; Q80 progressive
  optimized JPEG and Q80 effort-4 WebP, metadata stripped. libvips threads as it likes.

Time: wall clock (ours uses two threads, so CPU time would not show it), median of
`--runs` rounds after a warm-up, the three pipelines interleaved within each round so a
busy neighbour slows all three alike; the best round is shown too. Peak memory: each
pipeline runs once in a fresh subprocess that reports its own peak resident set (VmHWM;
C allocations included, which tracemalloc cannot see) before and after the run; "delta" is
what the pipeline added to the interpreter, libraries and input bytes. PSNR compares our
largest rendition's pixels (before encoding) with a full-resolution Lanczos resize.
"""

import argparse
import contextlib
import io
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from thumbnails.images import DEFAULT_FORMATS, SAVE_OPTIONS, load_upright, render_renditions  # noqa: E402
from thumbnails.naming import WIDTHS, rendition_widths  # noqa: E402

pyvips = None  # imported by load_pyvips(), so that the other pipelines' children never load libvips

CASES = [("12 MP", 4000, 3000), ("24 MP", 6000, 4000), ("panorama", 16000, 4000)]
PIPELINES = ("ours", "ours+avif", "naive", "pyvips")
TARGETS = "ours <= 0.8 x pyvips time; naive >= 3 x ours time; ours <= 1/3 naive memory; PSNR >= 40 dB"


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    rng = random.Random(seed)
    field = Image.new("RGB", (16, 12))
    field.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(16 * 12)])
    img = field.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(width // 60, width // 8)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    img = img.filter(ImageFilter.BoxBlur(1))
    for scale, amount in ((16, 0.2), (4, 0.15), (1, 0.12)):  # foliage, fabric, grain
        noise = Image.effect_noise((width // scale, height // scale), 48)
        noise = noise.resize((width, height), Image.Resampling.BILINEAR)
        img = Image.blend(img, Image.merge("RGB", (noise, noise, noise)), amount)
    return img


def naive(data: bytes) -> list[bytes]:
    img = Image.open(io.BytesIO(data))
    img.load()
    out = []
    for width in rendition_widths(img.width):
        resized = img.resize((width, round(width * img.height / img.width)), Image.Resampling.LANCZOS)
        for fmt in ("jpeg", "webp"):
            buffer = io.BytesIO()
            pil_format, options = SAVE_OPTIONS[fmt]
            resized.save(buffer, pil_format, **options)
            out.append(buffer.getvalue())
    return out


def vips(data: bytes) -> list[bytes]:
    keep = pyvips.enums.ForeignKeep.NONE
    largest = pyvips.Image.thumbnail_buffer(data, max(WIDTHS), size="down").copy_memory()
    out = []
    for width in sorted(WIDTHS, reverse=True):
        img = largest if width == largest.width else largest.thumbnail_image(width)
        out.append(img.jpegsave_buffer(Q=80, interlace=True, optimize_coding=True, keep=keep))
        out.append(img.webpsave_buffer(Q=80, effort=4, keep=keep))
    return out


def load_pyvips() -> bool:
    global pyvips
    try:
        import pyvips
    except (ImportError, OSError):  # OSError: pyvips is there but libvips is not
        return False
    return True


def ours(data: bytes) -> list[bytes]:
    return [r.data for r in render_renditions(data, formats=("jpeg", "webp"))]


def ours_avif(data: bytes) -> list[bytes]:
    return [r.data for r in render_renditions(data, formats=DEFAULT_FORMATS)]


RUN = {"ours": ours, "ours+avif": ours_avif, "naive": naive, "pyvips": vips}


def peak_rss_kb() -> int:
    """This process's peak resident set size. VmHWM, because ru_maxrss survives exec(): a child
    of a big parent would report the parent's peak."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: kB too on most


def child(pipeline: str, path: str) -> None:
    """Run one pipeline once in this fresh process and print its peak RSS (kB)."""
    if pipeline == "pyvips":
        load_pyvips()
    data = Path(path).read_bytes()
    before = peak_rss_kb()
    RUN[pipeline](data)
    print(json.dumps({"baseline_kb": before, "peak_kb": peak_rss_kb()}))


def peak_memory(pipeline: str, path: Path) -> dict:
    args = [sys.executable, __file__, "--child", pipeline, str(path)]
    result = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def psnr(a: Image.Image, b: Image.Image) -> float:
    squares = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).sum2
    mse = sum(squares) / (a.width * a.height * 3)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed rounds per pipeline (default 5)")
    parser.add_argument("--child", nargs=2, metavar=("PIPELINE", "PATH"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        return child(*options.child)

    pipelines = [p for p in PIPELINES if p != "pyvips" or load_pyvips()]
    vips_version = "not installed" if pyvips is None else ".".join(str(pyvips.version(i)) for i in range(3))
    print(f"Pillow {Image.__version__}, libvips {vips_version}, {os.cpu_count()} CPUs")
    print(f"load average at start: {os.getloadavg()[0]:.2f} (a busy machine makes every figure noisier)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed, (name, width, height) in enumerate(CASES):
            buffer = io.BytesIO()
            photo_like(width, height, seed).save(buffer, "JPEG", quality=90)
            data = buffer.getvalue()
            path = Path(tmp) / f"{seed}.jpg"
            path.write_bytes(data)

            memory = {p: peak_memory(p, path) for p in pipelines}
            out_bytes = {p: sum(map(len, RUN[p](data))) for p in pipelines}  # also the warm-up
            times = {p: [] for p in pipelines}
            for _ in range(options.runs):
                for p in pipelines:
                    started = time.perf_counter()
                    RUN[p](data)
                    times[p].append((time.perf_counter() - started) * 1000)

            full = Image.open(io.BytesIO(data))
            reference = full.resize((1920, round(1920 * height / width)), Image.Resampling.LANCZOS)
            quality = {"ours": psnr(load_upright(data, 1920), reference)}
            if pyvips:
                largest = pyvips.Image.thumbnail_buffer(data, 1920)
                as_pil = Image.frombytes("RGB", (largest.width, largest.height), largest.write_to_memory())
                quality["pyvips"] = psnr(as_pil, reference)
            del full, reference
            rows.append((name, width, height, len(data), memory, out_bytes, times, quality))
    report(rows, pipelines)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


def report(rows: list, pipelines: list[str]) -> None:
    print()
    print(
        f"{'case':<24} {'pipeline':<8} {'median ms':>9} {'best ms':>8} {'peak RSS MB':>11} {'delta MB':>8} {'out KB':>7}"
    )
    for name, width, height, size, memory, out_bytes, times, _ in rows:
        labels = [f"{name} {width}x{height}", f"  ({size / 1e6:.1f} MB JPEG q90)", "", ""]
        for label, p in zip(labels, PIPELINES, strict=True):
            if p not in pipelines:
                print(f"{label:<24} {p:<8} not installed")
                continue
            mem = memory[p]
            print(
                f"{label:<24} {p:<8} {statistics.median(times[p]):9.0f} {min(times[p]):8.0f} "
                f"{mem['peak_kb'] / 1024:11.0f} {(mem['peak_kb'] - mem['baseline_kb']) / 1024:8.0f} "
                f"{out_bytes[p] / 1024:7.0f}"
            )
    print()
    print(f"targets: {TARGETS}")
    print("time ratios from medians (and from best rounds); memory ratios from delta (and peak RSS)")
    print(
        f"{'case':<10} {'ours/pyvips':>13} {'naive/ours':>12} {'ours/naive mem':>15} {'PSNR ours':>10} {'pyvips':>7}"
        f" {'avif on/off':>12} {'avif +ms':>9} {'avif KB':>12}"
    )
    for name, _, _, _, memory, out_bytes, times, quality in rows:
        med = {p: statistics.median(times[p]) for p in pipelines}
        best = {p: min(times[p]) for p in pipelines}
        delta = {p: memory[p]["peak_kb"] - memory[p]["baseline_kb"] for p in pipelines}
        peak = {p: memory[p]["peak_kb"] for p in pipelines}
        vs_vips, vips_psnr = "n/a", "n/a"
        if "pyvips" in pipelines:
            vs_vips = f"{med['ours'] / med['pyvips']:.2f} ({best['ours'] / best['pyvips']:.2f})"
            vips_psnr = f"{quality['pyvips']:.1f}"
        vs_naive = f"{med['naive'] / med['ours']:.1f} ({best['naive'] / best['ours']:.1f})"
        memory_ratio = f"{delta['ours'] / delta['naive']:.2f} ({peak['ours'] / peak['naive']:.2f})"
        avif_ratio = f"{med['ours+avif'] / med['ours']:.2f}"
        avif_ms = f"{med['ours+avif'] - med['ours']:+.0f}"
        # The AVIF files' bytes: what ours+avif writes beyond ours.
        avif_kb = (out_bytes["ours+avif"] - out_bytes["ours"]) / 1024
        print(
            f"{name:<10} {vs_vips:>13} {vs_naive:>12} {memory_ratio:>15} {quality['ours']:>8.1f} dB {vips_psnr:>7}"
            f" {avif_ratio:>12} {avif_ms:>9} {avif_kb:>9.0f} KB"
        )


if __name__ == "__main__":
    main()
