"""Students' settings files (YAML) for labs graded with the simulator: read, restrict, merge.

A lab fixes the workload and the run; the student may only choose named fields (e.g.
``function.memory_mb``). Anything else in their file is an error that says which fields are
allowed, so a student cannot pass by changing the question (a smaller workload).
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from labs.grader.submission import Submission


def read_choices(sub: Submission, filename: str, allowed: dict[str, set[str]]) -> dict[str, dict[str, Any]]:
    """The student's ``{section: {field: value}}``; AssertionError naming what is not allowed."""
    try:
        data = yaml.safe_load(sub.text(filename)) or {}
    except yaml.YAMLError as error:
        raise AssertionError(f"{filename} is not valid YAML: {error}") from None
    assert isinstance(data, dict), f"{filename} must be a mapping of sections, e.g. function: {{memory_mb: 1024}}"
    for section, fields in data.items():
        assert section in allowed, f"{filename}: section {section!r} is not yours to choose (allowed: {', '.join(allowed)})"
        assert isinstance(fields, dict), f"{filename}: {section} must be a mapping of fields"
        extra = set(fields) - allowed[section]
        assert not extra, f"{filename}: {section}.{', '.join(sorted(extra))} not allowed (allowed: {', '.join(sorted(allowed[section]))})"
    return data


def scenario_with(fixed: dict[str, Any], choices: dict[str, dict[str, Any]]) -> Any:
    """A validated ``simulator.Scenario``: the lab's fixed sections with the student's fields on top."""
    from pydantic import ValidationError

    from simulator.scenario import Scenario

    merged = copy.deepcopy(fixed)
    for section, fields in choices.items():
        merged.setdefault(section, {}).update(fields)
    try:
        return Scenario.model_validate(merged)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:4])
        raise AssertionError(f"the simulator rejects these settings: {problems}") from None
