"""Service times: how long the engine takes per upload, measured on this machine.

The simulator does not guess how fast image processing is. `p4lab sim-calibrate` runs the
handler's own engine (`reference.handler.engine.process`) on generated inputs — JPEG, PNG and
WebP photos from 0.04 MB to 12 MB (what the workload draws, and beyond) and one-page PDFs from
postcard to A2 size — and writes single-core CPU seconds per input into
`simulator/service_times.yaml`. The model reads that table, makes it non-decreasing in size
(a larger input never takes less time: measurement noise and JPEG's draft decoding can make a
raw point dip below a smaller one) and interpolates it linearly in log–log space. Beyond the
largest point time grows in proportion to size; below the smallest it stays at that point's.
A function gets `memory_mb / 1769` vCPUs (one full vCPU at 1,769 MB), capped by the threads
the engine uses.

    >>> table = ServiceTimeTable.load()
    >>> sizes = np.array([0.2e6, 0.8e6, 3.3e6])
    >>> bool(np.all(np.diff(table.seconds("jpeg", sizes)) > 0))
    True

Limitations: inputs are generated (photo-like content; PDF pages are scans, one photo and text
lines rasterised per page), so bytes per megapixel are those of the generator; CPU time is
measured in one process on one core, as Lambda gives one vCPU at 1,769 MB.
"""

from __future__ import annotations

import io
import math
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import yaml

DEFAULT_TABLE_PATH = Path(__file__).with_name("service_times.yaml")
KINDS = ("jpeg", "png", "webp", "pdf_page")
UNITS = {"jpeg": "bytes", "png": "bytes", "webp": "bytes", "pdf_page": "megapixels"}
MB_PER_VCPU = 1769  # Lambda allocates one full vCPU at this memory size

IMAGE_BYTES = (40_000, 12_000_000)  # smallest and largest image measured
PDF_PAGE_MEGAPIXELS = (0.1, 9.0)  # A7-ish to A2 at 150 dpi
MAX_MEGAPIXELS = 40.0  # the engine's limit is 50; bigger WebPs are extrapolated
QUICK_MAX_MEGAPIXELS = 12.0
QUALITY = {"jpeg": 92, "webp": 80}  # what cameras and browsers typically write


# ---------------------------------------------------------------- the table the model reads
def non_decreasing(values: np.ndarray) -> np.ndarray:
    """The closest non-decreasing sequence in least squares (pool adjacent violators).

    >>> non_decreasing(np.array([1.0, 3.0, 2.0, 4.0])).tolist()
    [1.0, 2.5, 2.5, 4.0]
    """
    blocks: list[list[float]] = []  # [mean, weight]
    for value in values.tolist():
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (mean_a, weight_a), (mean_b, weight_b) = blocks.pop(-2), blocks.pop()
            weight = weight_a + weight_b
            blocks.append([(mean_a * weight_a + mean_b * weight_b) / weight, weight])
    return np.repeat([mean for mean, _ in blocks], [int(weight) for _, weight in blocks])


@dataclass(frozen=True)
class KindTimes:
    """Measured points for one input kind, and the monotone curve through them."""

    unit: str  # what a size is: "bytes" of the upload, or "megapixels" of a rendered page
    sizes: np.ndarray  # ascending
    seconds: np.ndarray  # as measured: single-core CPU seconds
    fitted: np.ndarray  # non-decreasing in size

    @classmethod
    def from_points(cls, unit: str, points: list[list[float]]) -> KindTimes:
        data = np.asarray(sorted(points), dtype=float)
        return cls(unit, data[:, 0], data[:, 1], non_decreasing(data[:, 1]))

    def at(self, sizes: np.ndarray) -> np.ndarray:
        """Seconds for inputs of these sizes (see the module docstring for the curve)."""
        log_sizes = np.log(np.maximum(sizes, self.sizes[0]))
        log_seconds = np.interp(log_sizes, np.log(self.sizes), np.log(self.fitted))
        beyond = sizes > self.sizes[-1]
        if beyond.any():  # proportional to size past the last point
            log_seconds[beyond] = math.log(self.fitted[-1]) + log_sizes[beyond] - math.log(self.sizes[-1])
        return np.exp(log_seconds)


@dataclass(frozen=True)
class ServiceTimeTable:
    """Seconds per input at one vCPU, by kind."""

    kinds: dict[str, KindTimes]
    source: str

    @classmethod
    def load(cls, path: Path = DEFAULT_TABLE_PATH) -> ServiceTimeTable:
        raw = yaml.safe_load(Path(path).read_text())
        kinds = {kind: KindTimes.from_points(spec["unit"], spec["points"]) for kind, spec in raw["kinds"].items()}
        missing = set(KINDS) - set(kinds)
        if missing:
            raise ValueError(f"{path}: no service times for {', '.join(sorted(missing))}; run `p4lab sim-calibrate`")
        return cls(kinds, raw.get("source", str(path)))

    def seconds(self, kind: str, size: np.ndarray) -> np.ndarray:
        """Single-core seconds for inputs of `kind` ("jpeg", "png", "webp": size in bytes;
        "pdf_page": size in megapixels rendered)."""
        return self.kinds[kind].at(np.asarray(size, dtype=float))


def cpu_share(memory_mb: int, engine_threads: int = 1) -> float:
    """vCPUs a function of `memory_mb` can use: memory / 1,769 MB, capped by the threads the
    engine runs (a single-threaded engine gains nothing above one vCPU)."""
    return min(memory_mb / MB_PER_VCPU, float(engine_threads))


# ---------------------------------------------------------------- measuring the engine
@dataclass(frozen=True)
class Sample:
    """One generated input."""

    kind: str
    size: float  # bytes, or rendered megapixels for a PDF page
    megapixels: float
    data: bytes


def _photo_pixels(width: int, height: int, base: np.ndarray) -> np.ndarray:
    """A photo of any size from one generated base: mirrored tiles keep the content (and so
    the bytes per megapixel) of the base without generating every size from scratch."""
    tile = np.concatenate((base, base[:, ::-1]), axis=1)
    tile = np.concatenate((tile, tile[::-1]), axis=0)
    reps = (math.ceil(height / tile.shape[0]), math.ceil(width / tile.shape[1]), 1)
    return np.tile(tile, reps)[:height, :width]


def _dimensions(megapixels: float) -> tuple[int, int]:
    width = max(16, round(math.sqrt(megapixels * 1e6 * 4 / 3)))
    return width, max(12, round(width * 3 / 4))


def _encode(kind: str, pixels: np.ndarray) -> bytes:
    from PIL import Image

    image = Image.fromarray(pixels)
    buffer = io.BytesIO()
    if kind == "png":
        image.putalpha(255)  # uploads with transparency are why PNGs exist
        image.save(buffer, "PNG")
    else:
        image.save(buffer, kind.upper(), quality=QUALITY[kind])
    return buffer.getvalue()


def _pdf_page(megapixels: float, base: np.ndarray, dpi: int) -> bytes:
    """A one-page PDF whose page renders to `megapixels` at `dpi`: a scanned handout, a photo
    and lines of text on white."""
    from PIL import Image, ImageDraw

    width, height = _dimensions(megapixels)
    page = Image.new("RGB", (width, height), "white")
    photo_height = height // 3
    page.paste(Image.fromarray(_photo_pixels(width * 8 // 10, photo_height, base)), (width // 10, height // 10))
    draw = ImageDraw.Draw(page)
    for y in range(height // 10 + photo_height + height // 30, height * 9 // 10, max(4, height // 40)):
        draw.line((width // 10, y, width * 9 // 10 - (y * 37) % (width // 4 + 1), y), fill=(60, 60, 60), width=max(1, height // 400))
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=dpi)
    return buffer.getvalue()


def calibration_inputs(
    points_per_kind: int, max_megapixels: float = MAX_MEGAPIXELS, kinds: tuple[str, ...] = KINDS, seed: int = 1
) -> Iterator[Sample]:
    """Generated inputs: images at `points_per_kind` sizes spaced evenly in log bytes over
    `IMAGE_BYTES` (up to what `max_megapixels` allows), PDF pages over `PDF_PAGE_MEGAPIXELS`."""
    from reference.handler.engine import EngineSettings
    from reference.samples import photo

    base = np.asarray(photo(1200, 900, seed=seed))
    for kind in kinds:
        if kind == "pdf_page":
            dpi = EngineSettings().pdf_dpi
            for megapixels in np.geomspace(*PDF_PAGE_MEGAPIXELS, points_per_kind):
                yield Sample(kind, float(megapixels), float(megapixels), _pdf_page(float(megapixels), base, dpi))
            continue
        probe = _encode(kind, base)  # bytes per megapixel of this kind's encoding
        bytes_per_megapixel = len(probe) / (base.shape[0] * base.shape[1] / 1e6)
        largest = min(IMAGE_BYTES[1], max_megapixels * bytes_per_megapixel)  # WebP is small per pixel
        for target in np.geomspace(IMAGE_BYTES[0], largest, points_per_kind):
            width, height = _dimensions(target / bytes_per_megapixel)
            data = _encode(kind, _photo_pixels(width, height, base))
            yield Sample(kind, float(len(data)), width * height / 1e6, data)


def measure_seconds(data: bytes, repeats: int, min_seconds: float) -> float:
    """Median single-core CPU seconds of the engine on `data`: at least `repeats` runs, and
    more while less than `min_seconds` has been measured (short inputs are noisy)."""
    from reference.handler.engine import process

    samples: list[float] = []
    while len(samples) < repeats or sum(samples) < min_seconds:
        started = time.process_time()
        process(data)
        samples.append(time.process_time() - started)
    return statistics.median(samples)


def calibrate(
    points_per_kind: int = 10,
    repeats: int = 3,
    min_seconds: float = 0.3,
    max_megapixels: float = MAX_MEGAPIXELS,
    kinds: tuple[str, ...] = KINDS,
    progress: Callable[[Sample, float], None] | None = None,
) -> dict:
    """Measure the engine on generated inputs; return the table as YAML-ready data.

    `progress(sample, seconds)` is called after each input is measured.
    """
    from reference.handler.engine import EngineSettings, process

    process(_encode("jpeg", np.zeros((64, 64, 3), dtype=np.uint8)))  # warm-up: imports, codecs
    measured: dict[str, list[list[float]]] = {kind: [] for kind in kinds}
    megapixels: dict[str, list[float]] = {kind: [] for kind in kinds}
    for sample in calibration_inputs(points_per_kind, max_megapixels, kinds):
        seconds = measure_seconds(sample.data, repeats, min_seconds)
        measured[sample.kind].append([round(sample.size, 4), round(seconds, 5)])
        megapixels[sample.kind].append(round(sample.megapixels, 3))
        if progress is not None:
            progress(sample, seconds)
    settings = EngineSettings()
    return {
        "source": f"p4lab sim-calibrate on {platform.node() or 'this machine'}",
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "system": platform.platform(terse=True),
        },
        "engine": {
            "sizes": settings.sizes,
            "jpeg_quality": settings.jpeg_quality,
            "webp_quality": settings.webp_quality,
            "pdf_dpi": settings.pdf_dpi,
        },
        "method": f"median CPU seconds of reference.handler.engine.process over >= {repeats} runs "
        f"(>= {min_seconds:g} s measured) per input, one process",
        "kinds": {
            kind: {"unit": UNITS[kind], "megapixels": megapixels[kind], "points": measured[kind]}
            for kind in kinds
        },
    }


TABLE_HEADER = (
    "# Single-core CPU seconds the engine takes per upload, by kind and size (bytes; rendered\n"
    "# megapixels for PDF pages), measured by `p4lab sim-calibrate`. Rebuild it, do not edit it.\n"
)


def write_table(table: dict, path: Path) -> None:
    Path(path).write_text(TABLE_HEADER + yaml.safe_dump(table, sort_keys=False, width=120))
