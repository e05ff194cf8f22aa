"""The answer key's bill on a drawn month (the lowest-bill check's reference), priced as the
checks price every plan. Called by the checks with data only; the student export replays its
recorded answers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("lab07_checks_for_the_key", HERE.parent / "checks.py")
assert _spec and _spec.loader
_checks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_checks)


def month_bill(month: int, reread_share: float) -> float:
    """The answer key's whole bill for `month` with `reread_share` of the originals re-processed."""
    return _checks.month_bill(yaml.safe_load((HERE / "choices.yaml").read_text()), month, reread_share)
