"""Service times: how long the engine takes per image, from measurements.

The simulator does not guess how fast image processing is: it reads a table of single-core
seconds per image (by kind and megapixels) measured by `benchmarks/images.py`, interpolates it,
and scales by the CPU the function gets (a share of a vCPU proportional to memory, one full vCPU
at 1,769 MB). `build_table` turns the benchmark's results file into that table;
`p4lab sim-calibrate` calls it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

DEFAULT_TABLE_PATH = Path(__file__).with_name("service_times.yaml")
KINDS = ("jpeg", "png")
MB_PER_VCPU = 1769  # Lambda allocates one full vCPU at this memory size


@dataclass(frozen=True)
class KindTimes:
    """Measured points for one input kind."""

    bytes_per_megapixel: float
    megapixels: np.ndarray  # ascending
    seconds: np.ndarray  # single-core wall time for the full variant set

    def at(self, megapixels: np.ndarray) -> np.ndarray:
        """Interpolated seconds; beyond the last point, proportional to megapixels."""
        # A far point on the line through the origin and the last point extrapolates in one pass.
        far = self.megapixels[-1] * 1e6
        xs = np.append(self.megapixels, far)
        ys = np.append(self.seconds, self.seconds[-1] * 1e6)
        return np.interp(megapixels, xs, ys)


@dataclass(frozen=True)
class ServiceTimeTable:
    """Seconds per image at one vCPU, by kind."""

    kinds: dict[str, KindTimes]
    source: str

    @classmethod
    def load(cls, path: Path = DEFAULT_TABLE_PATH) -> ServiceTimeTable:
        raw = yaml.safe_load(path.read_text())
        kinds = {}
        for kind, spec in raw["kinds"].items():
            points = np.asarray(spec["points"], dtype=float)
            kinds[kind] = KindTimes(float(spec["bytes_per_megapixel"]), points[:, 0], points[:, 1])
        return cls(kinds, raw.get("source", str(path)))

    def seconds(self, kind: str, size_bytes: np.ndarray) -> np.ndarray:
        """Single-core seconds for images of `kind` with the given sizes."""
        times = self.kinds[kind]
        return times.at(size_bytes / times.bytes_per_megapixel)


def cpu_share(memory_mb: int, engine_threads: int = 1) -> float:
    """vCPUs a function of `memory_mb` can use: memory / 1,769 MB, capped by the threads the
    engine runs (a single-threaded engine gains nothing above one vCPU)."""
    return min(memory_mb / MB_PER_VCPU, float(engine_threads))


def build_table(results_path: Path, engine: str = "p4lab") -> dict:
    """The service-time table (as YAML-ready data) from `benchmarks/results/images.json`.

    Records of other engines are ignored; several records at the same megapixels are averaged.
    Raises `ValueError` with the reason if the file has no usable records.
    """
    records = json.loads(results_path.read_text()).get("records")
    if not isinstance(records, list):
        raise ValueError(f"{results_path}: expected a top-level 'records' list")
    kinds = {}
    for kind in KINDS:
        mine = [r for r in records if r.get("engine") == engine and r.get("kind") == kind]
        if not mine:
            continue
        by_mp: dict[float, list[float]] = {}
        for r in mine:
            by_mp.setdefault(round(float(r["megapixels"]), 2), []).append(float(r["seconds_per_image"]))
        ratios = [float(r["bytes"]) / float(r["megapixels"]) for r in mine if r["megapixels"]]
        kinds[kind] = {
            "bytes_per_megapixel": round(float(np.median(ratios))),
            "points": [[mp, round(float(np.mean(s)), 5)] for mp, s in sorted(by_mp.items())],
        }
    if not kinds:
        raise ValueError(f"{results_path}: no records with engine {engine!r} and kind jpeg or png")
    for kind in KINDS:  # a kind that was not measured keeps the shipped estimate
        kinds.setdefault(kind, yaml.safe_load(DEFAULT_TABLE_PATH.read_text())["kinds"][kind])
    return {"source": f"{results_path.name} ({engine} engine)", "engine": engine, "kinds": kinds}
