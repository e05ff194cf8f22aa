"""Hidden check for lab 07: the storage plan in the pipeline's second and third years, with
more re-processing than the public check draws.

The public check prices months 10-18 with 1-6% of the originals read back a month. A plan
tuned to that window (an archive rule too late, a class whose monitoring or retrieval fees grow
with the library or with the reads) drifts from the best saving as the library and the reads
grow. Inputs from ``sub.rng``, the reference from the answer key (``sub.answer``): nothing
hard-coded (docs/instructors.md, "Hidden checks").
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from labs.grader import Partial, Submission, check

_spec = importlib.util.spec_from_file_location("lab07_public_checks", Path(__file__).parents[1] / "checks.py")
assert _spec and _spec.loader
public = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(public)

MONTHS = (19, 36)
REREAD_SHARE = (0.06, 0.12)


@check(10, timeout_s=60, hint="The library keeps growing and re-processing may read more of it: does your plan still hold?")
def year_two(sub: Submission) -> str | Partial:
    """the month's bill in years two and three, with more re-processing, makes the best plan's saving"""
    month, share = public.draw(sub.rng, MONTHS, REREAD_SHARE)
    return public.saving_points(sub, public.choices(sub), month, share)
