"""Images per second per core for the full variant set: p4lab engine vs naive Pillow vs pyvips.

Scenario: the Lambda turns every upload into 3 sizes (150/800/1600 px, longest side) × progressive
JPEG + WebP. Lambda bills duration, so seconds per image *is* the cost model's service time. All
three contenders run in this process on one pinned core (libvips with `VIPS_CONCURRENCY=1`, so
nobody gets extra cores for free), on the same generated inputs, with the same encoder settings
taken from `EngineSettings` (JPEG quality, progressive; WebP quality and effort; metadata dropped).

Outputs: a table on stdout (with ratios, peak RSS per image, and SSIM of our large variant
against pyvips' so that nobody wins by lowering quality), `benchmarks/results/images.json` for the
simulator, `benchmarks/results/images.md` for docs/performance.md.

Run: `make bench`, or `python benchmarks/images.py [--rounds N]` after `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("VIPS_CONCURRENCY", "1")  # before pyvips is imported: one core each

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: import the repository's packages

import numpy as np  # noqa: E402
import pyvips  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from skimage.metrics import structural_similarity  # noqa: E402

from reference.handler.engine import EngineSettings, process  # noqa: E402
from tests.fixtures import corpus  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SETTINGS = EngineSettings()
MIN_SECONDS = 2.0  # per contender and input: repeat until at least this much time was measured
SSIM_FLOOR = 0.98
GOALS = {"pyvips": 1.0, "naive": 2.0}  # required p4lab speed-up over each baseline

Outputs = dict[str, bytes]  # "large.jpg" → encoded bytes
Engine = Callable[[bytes], Outputs]


def make_inputs() -> dict[str, tuple[str, bytes]]:
    """name → (kind, bytes): the inputs the issue names, generated reproducibly (seeded)."""
    return {
        "photo-3mp.jpg": (
            "jpeg",
            corpus.jpeg_near_size(corpus.photo(2000, 1500, seed=1), 1_000_000),
        ),
        "photo-12mp.jpg": (
            "jpeg",
            corpus.jpeg_near_size(corpus.photo(4000, 3000, seed=2), 2_500_000),
        ),
        "alpha-3mp.png": ("png", corpus.rgba_photo_png(2000, 1500, seed=3)),
    }


def run_p4lab(data: bytes) -> Outputs:
    return {variant.filename: variant.data for variant in process(data, SETTINGS).variants}


def run_naive(data: bytes) -> Outputs:
    """What most tutorials write: decode the original again for every variant, LANCZOS resize."""
    outputs = {}
    for name, longest in SETTINGS.sizes.items():
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        scale = min(1.0, longest / max(image.size))
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.LANCZOS
        )
        flat = image
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
        outputs[f"{name}.jpg"] = _pil_save(
            flat, "JPEG", quality=SETTINGS.jpeg_quality, progressive=True
        )
        outputs[f"{name}.webp"] = _pil_save(
            image, "WEBP", quality=SETTINGS.webp_quality, method=SETTINGS.webp_method
        )
    return outputs


def run_pyvips(data: bytes) -> Outputs:
    """libvips' recommended path: `thumbnail_buffer` (shrink-on-load, auto-rotate, ICC → sRGB)
    for the largest size, then each smaller size from the previous in memory."""
    outputs = {}
    previous = None
    for name, longest in sorted(SETTINGS.sizes.items(), key=lambda item: -item[1]):
        if previous is None:
            image = pyvips.Image.thumbnail_buffer(data, longest, height=longest, size="down")
        else:
            image = previous.thumbnail_image(longest, height=longest, size="down")
        image = previous = image.copy_memory()
        flat = image.flatten(background=[255, 255, 255]) if image.hasalpha() else image
        outputs[f"{name}.jpg"] = flat.jpegsave_buffer(
            Q=SETTINGS.jpeg_quality, interlace=True, optimize_coding=True, keep="none"
        )
        outputs[f"{name}.webp"] = image.webpsave_buffer(
            Q=SETTINGS.webp_quality, effort=SETTINGS.webp_method, keep="none"
        )
    return outputs


ENGINES: dict[str, Engine] = {"p4lab": run_p4lab, "pyvips": run_pyvips, "naive": run_naive}


def _pil_save(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def seconds_per_image(
    engines: dict[str, Engine], data: bytes, rounds: int
) -> dict[str, tuple[float, float]]:
    """Median (CPU seconds, wall seconds) per image, contenders interleaved so drift hits all alike.

    CPU time of the whole process (all threads) is the primary number: on a dedicated core, as in
    Lambda, it equals wall time (the engines do no I/O), and unlike wall time it is not inflated
    when other work shares the machine.
    """
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    for engine in engines.values():
        engine(data)  # warm-up: imports, plugin registration, libvips operation cache
    spent = 0.0
    while min(len(s) for s in samples.values()) < rounds or spent < MIN_SECONDS:
        for name, engine in engines.items():
            cpu, wall = time.process_time(), time.perf_counter()
            engine(data)
            samples[name].append((time.process_time() - cpu, time.perf_counter() - wall))
        spent = min(sum(cpu for cpu, _ in s) for s in samples.values())
    return {
        name: (statistics.median(c for c, _ in values), statistics.median(w for _, w in values))
        for name, values in samples.items()
    }


def _vm_hwm() -> int:
    """Peak resident set of this process so far, in bytes (Linux `VmHWM`)."""
    status = Path("/proc/self/status").read_text()
    return (
        int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
        * 1024
    )


def _peak_rss_child(engine: str, data: bytes, queue: multiprocessing.Queue) -> None:
    before = _vm_hwm()
    ENGINES[engine](data)
    queue.put((before, _vm_hwm()))


def peak_rss(engine: str, data: bytes) -> tuple[int, int]:
    """(peak RSS after imports, peak RSS after one image) of a fresh process, in bytes.

    The second number is what sizes the Lambda function's memory for a cold container; the
    difference is what one image costs. `spawn`, not `fork`: a forked child would start with
    this process's heap (and libvips threads) already counted.
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_peak_rss_child, args=(engine, data, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def _rgb(image: Image.Image) -> Image.Image:
    """RGB pixels, transparency composited on white (as the JPEG variants are)."""
    if "A" in image.getbands():
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        return flat
    return image.convert("RGB")


def _decode(data: bytes) -> Image.Image:
    return _rgb(Image.open(io.BytesIO(data)))


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Structural similarity on luma (Y of Rec. 601), the channel SSIM was defined for; both
    encoders subsample chroma 4:2:0, so chroma differences are mostly encoder noise."""
    if a.size != b.size:
        raise SystemExit(f"size mismatch between engines: {a.size} vs {b.size}")
    return float(
        structural_similarity(
            np.asarray(a.convert("L")), np.asarray(b.convert("L")), data_range=255
        )
    )


def ssim_rgb(a: Image.Image, b: Image.Image) -> float:
    """Mean SSIM over R, G, B: stricter, reported next to the luma value."""
    return float(
        structural_similarity(np.asarray(a), np.asarray(b), channel_axis=2, data_range=255)
    )


def reference_large(data: bytes, size: tuple[int, int]) -> Image.Image:
    """The ideal large variant: full-resolution decode, float Lanczos, no encoding."""
    source = _rgb(ImageOps.exif_transpose(Image.open(io.BytesIO(data))))
    bands = [band.convert("F").resize(size, Image.LANCZOS) for band in source.split()]
    return Image.merge("RGB", [band.convert("L") for band in bands])  # rounds and clips to 0..255


def quality(data: bytes) -> dict[str, float]:
    """SSIM of our large variants against pyvips', and of both against the ideal."""
    ours, theirs = run_p4lab(data), run_pyvips(data)
    scores = {}
    for fmt in ("jpg", "webp"):
        mine, vips = _decode(ours[f"large.{fmt}"]), _decode(theirs[f"large.{fmt}"])
        ideal = reference_large(data, mine.size)
        scores[f"{fmt}_vs_pyvips"] = ssim(mine, vips)
        scores[f"{fmt}_vs_pyvips_rgb"] = ssim_rgb(mine, vips)
        scores[f"{fmt}_ours_vs_ideal"] = ssim(mine, ideal)
        scores[f"{fmt}_pyvips_vs_ideal"] = ssim(vips, ideal)
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=21, help="minimum timed runs per contender")
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, for every contender

    print(
        f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}, "
        f"Pillow {Image.__version__}, {platform.processor() or platform.machine()}, 1 core",
        flush=True,
    )
    records, rows = [], []
    for input_name, (kind, data) in make_inputs().items():
        with Image.open(io.BytesIO(data)) as probe:
            megapixels = probe.width * probe.height / 1e6
        print(f"{input_name}: {len(data):,} bytes, {megapixels:.1f} MP …", flush=True)
        times = seconds_per_image(ENGINES, data, args.rounds)
        rss = {name: peak_rss(name, data) for name in ENGINES}
        scores = quality(data)
        for engine, (cpu, _) in times.items():
            records.append(
                {
                    "input": input_name,
                    "kind": kind,
                    "bytes": len(data),
                    "megapixels": round(megapixels, 2),
                    "engine": engine,
                    "seconds_per_image": round(cpu, 5),
                }
            )
        vs = {name: times[name][0] / times["p4lab"][0] for name in GOALS}
        rows.append((input_name, len(data), megapixels, times, vs, rss, scores))

    table = render_table(rows)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "images.json").write_text(json.dumps({"records": records}, indent=2) + "\n")
    (RESULTS / "images.md").write_text(table + "\n")
    print(f"wrote {RESULTS / 'images.json'} and images.md")
    for name, goal in GOALS.items():
        worst = min(row[4][name] for row in rows)
        print(f"goal ≥{goal}× {name}: {'met' if worst >= goal else 'NOT met'} (worst {worst:.2f}×)")
    for fmt in ("jpg", "webp"):
        worst = min(row[6][f"{fmt}_vs_pyvips"] for row in rows)
        print(
            f"goal luma SSIM ≥ {SSIM_FLOOR} for large.{fmt}: "
            f"{'met' if worst >= SSIM_FLOOR else 'NOT met'} "
            f"(worst {worst:.4f})"
        )
    return 0


def render_table(rows) -> str:
    speed = [
        "| input | bytes | MP | p4lab img/s | pyvips img/s | naive img/s | vs pyvips | vs naive "
        "| wall ms p4lab / pyvips / naive | peak RSS MB p4lab / pyvips / naive (+ for the image) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    quality_rows = [
        "| input | large.jpg vs pyvips: luma (RGB) | large.webp vs pyvips: luma (RGB) "
        "| vs ideal, jpg: p4lab / pyvips | vs ideal, webp: p4lab / pyvips |",
        "|---|---|---|---|---|",
    ]
    for name, size, megapixels, times, vs, rss, q in rows:
        speed.append(
            f"| {name} | {size:,} | {megapixels:.1f} | {1 / times['p4lab'][0]:.2f} | "
            f"{1 / times['pyvips'][0]:.2f} | {1 / times['naive'][0]:.2f} | {vs['pyvips']:.2f}× | "
            f"{vs['naive']:.2f}× | "
            + " / ".join(f"{times[e][1] * 1000:.0f}" for e in ENGINES)
            + " | "
            + " / ".join(
                f"{rss[e][1] / 1e6:.0f} (+{(rss[e][1] - rss[e][0]) / 1e6:.0f})" for e in ENGINES
            )
            + " |"
        )
        quality_rows.append(
            f"| {name} | {q['jpg_vs_pyvips']:.4f} ({q['jpg_vs_pyvips_rgb']:.4f}) | "
            f"{q['webp_vs_pyvips']:.4f} ({q['webp_vs_pyvips_rgb']:.4f}) | "
            f"{q['jpg_ours_vs_ideal']:.4f} / {q['jpg_pyvips_vs_ideal']:.4f} | "
            f"{q['webp_ours_vs_ideal']:.4f} / {q['webp_pyvips_vs_ideal']:.4f} |"
        )
    return "\n".join(speed) + "\n\n" + "\n".join(quality_rows)


if __name__ == "__main__":
    sys.exit(main())
