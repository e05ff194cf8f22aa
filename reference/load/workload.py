"""What a load test sends and when: arrival times and a mix of files.

Arrivals are drawn in advance (seeded, so a run can be repeated and replayed by the simulator):

* ``poisson``: a Poisson process at a constant rate: exponential gaps between uploads;
* ``scenario``: the arrival-rate shape of a simulator scenario (flat, diurnal or a spike),
  squeezed so that its whole run fits in the test's duration and scaled to the test's mean
  rate. A day's diurnal curve becomes two minutes with the same peaks and troughs.

The file mix names kinds with their shares, e.g. ``photo-3mp=0.7,photo-12mp=0.1,pdf-4p=0.1,
corrupt=0.1``: photos of N megapixels (4:3, photo-like JPEG), PDFs of N pages (more than 20
pages fan out into page-range tasks), and corrupt files (a truncated JPEG: the engine rejects
it and the item ends FAILED, which is what a share of bad uploads looks like).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from reference.errors import UserError

MAX_PHOTO_MP = 50.0  # the engine's default pixel limit (P4LAB_MAX_PIXELS): larger is rejected
MAX_PDF_PAGES = 500  # the engine's default page limit (P4LAB_MAX_PDF_PAGES)
_KIND = re.compile(r"^(?:photo-(?P<mp>\d+(?:\.\d+)?)mp|pdf-(?P<pages>\d+)p|(?P<corrupt>corrupt))$")
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Kind:
    """One kind of file in the mix."""

    name: str  # as the user wrote it: photo-3mp, pdf-4p, corrupt
    share: float

    @property
    def megapixels(self) -> float | None:
        match = _KIND.match(self.name)
        return float(match["mp"]) if match and match["mp"] else None

    @property
    def pages(self) -> int | None:
        match = _KIND.match(self.name)
        return int(match["pages"]) if match and match["pages"] else None

    @property
    def suffix(self) -> str:
        return ".pdf" if self.pages else ".jpg"


def parse_mix(text: str) -> list[Kind]:
    """``photo-3mp=0.8,corrupt=0.2`` -> kinds; UserError (exit 2) unless shares sum to 1.

    >>> [(k.name, k.share) for k in parse_mix("photo-3mp=0.75, pdf-4p=0.25")]
    [('photo-3mp', 0.75), ('pdf-4p', 0.25)]
    >>> parse_mix("photo-3mp=0.5")
    Traceback (most recent call last):
    ...
    reference.errors.UserError: --mix shares must sum to 1; they sum to 0.5.
    """
    kinds = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, equals, share_text = part.partition("=")
        name = name.strip().lower()
        match = _KIND.match(name)
        if not equals or not match:
            raise UserError(
                f"--mix item {part!r} is not KIND=SHARE with KIND photo-<N>mp, pdf-<N>p or corrupt "
                "(e.g. photo-3mp=0.8,pdf-4p=0.1,corrupt=0.1).",
                2,
            )
        try:
            share = float(share_text)
        except ValueError:
            raise UserError(f"--mix share {share_text!r} of {name} is not a number.", 2) from None
        if not 0 < share <= 1:
            raise UserError(f"--mix share of {name} is {share:g}; a share is more than 0 and at most 1.", 2)
        if match["mp"] and not 0 < float(match["mp"]) <= MAX_PHOTO_MP:
            raise UserError(f"--mix {name}: photos are more than 0 and at most {MAX_PHOTO_MP:g} MP.", 2)
        if match["pages"] and not 1 <= int(match["pages"]) <= MAX_PDF_PAGES:
            raise UserError(f"--mix {name}: a PDF has 1 to {MAX_PDF_PAGES} pages.", 2)
        if any(kind.name == name for kind in kinds):
            raise UserError(f"--mix names {name} twice.", 2)
        kinds.append(Kind(name, share))
    if not kinds:
        raise UserError("--mix is empty; e.g. photo-3mp=1.", 2)
    total = sum(kind.share for kind in kinds)
    if abs(total - 1) > SHARE_TOLERANCE:
        raise UserError(f"--mix shares must sum to 1; they sum to {total:g}.", 2)
    return kinds


def poisson_times(rate_per_s: float, duration_s: float, rng: random.Random) -> list[float]:
    """Arrival times in [0, duration) of a Poisson process (exponential gaps).

    >>> times = poisson_times(10.0, 100.0, random.Random(1))
    >>> 900 < len(times) < 1100 and times == sorted(times) and times[-1] < 100
    True
    """
    times, now = [], rng.expovariate(rate_per_s)
    while now < duration_s:
        times.append(now)
        now += rng.expovariate(rate_per_s)
    return times


def shaped_times(relative_rate: list[float], rate_per_s: float, duration_s: float, rng: random.Random) -> list[float]:
    """A Poisson process whose rate follows ``relative_rate`` (equal steps over the duration),
    scaled so that its mean is ``rate_per_s``: thinning of a process at the peak rate.

    >>> times = shaped_times([1, 0, 0, 1], 2.0, 400.0, random.Random(2))
    >>> all(t < 100 or t >= 300 for t in times) and 650 < len(times) < 950
    True
    """
    mean = sum(relative_rate) / len(relative_rate)
    if mean <= 0:
        raise UserError("The scenario's arrival rate is zero throughout.", 2)
    peak = max(relative_rate) / mean * rate_per_s
    step = duration_s / len(relative_rate)
    times = []
    for candidate in poisson_times(peak, duration_s, rng):
        rate_here = relative_rate[min(int(candidate / step), len(relative_rate) - 1)] / mean * rate_per_s
        if rng.random() < rate_here / peak:
            times.append(candidate)
    return times


def scenario_shape(name: str) -> tuple[list[float], float]:
    """A simulator scenario's arrival rate per minute over its run (relative), and its mean rate
    in uploads per second (what ``--scale`` multiplies)."""
    from simulator.scenario import load_scenario
    from simulator.workload import arrival_rate_per_s

    try:
        scenario = load_scenario(name)
    except (OSError, ValueError) as error:  # missing file, bad YAML, invalid scenario
        from simulator.scenario import preset_names

        raise UserError(
            f"--scenario {name!r} could not be read ({error}). Give a scenario file or a preset: "
            f"{', '.join(preset_names())}.",
            2,
        ) from None
    rates = [float(r) for r in arrival_rate_per_s(scenario.workload, scenario.simulation.hours)]
    return rates, sum(rates) / len(rates)


def assign_kinds(count: int, kinds: list[Kind], rng: random.Random) -> list[Kind]:
    """A kind for each of ``count`` arrivals, drawn independently with the mix's shares."""
    return rng.choices(kinds, weights=[kind.share for kind in kinds], k=count)


def make_file(kind: Kind, variant: int) -> bytes:
    """The bytes of one file of ``kind`` (``variant`` picks one of a few distinct ones)."""
    from reference import samples

    if kind.pages:
        return samples.document(kind.pages, title=f"Load test document {variant}")
    megapixels = kind.megapixels or 1.0
    width = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    data = samples.photo_jpeg(width, round(width * 3 / 4), seed=variant)
    if kind.name == "corrupt":
        return data[: len(data) // 3]  # truncated mid-scan: "corrupt" to the engine
    return data
