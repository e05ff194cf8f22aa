"""Lab 08 (chaos): the answer is not in the repository, the README's numbers come from the code,
and cheats a student could try earn nothing (graded on the cheap checks: none of these gets as
far as the drill, which the soundness test runs for the answer key and the wrong cases)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str

from chaos.runner import EXPERIMENTS
from labs.grader import find_lab, grade
from reference.deploy import TEMPLATE_PATH
from reference.handler.engine import EngineSettings
from tests.labs.helpers import load_isolated

LAB = find_lab("lab08")
KEY = json.loads((LAB.solution_folder / "experiment.json").read_text())
README = (LAB.folder / "README.md").read_text()
CHECKS: Any = load_isolated(LAB.folder / "checks.py", "lab08_checks_for_tests")


def _calls(experiment: dict) -> set[tuple[str, str]]:
    sections = [experiment.get("method") or [], experiment.get("rollbacks") or [],
                (experiment.get("steady-state-hypothesis") or {}).get("probes") or []]  # fmt: skip
    return {(a["provider"].get("module"), a["provider"].get("func")) for section in sections for a in section if "provider" in a}


def test_the_answer_key_is_not_a_bundled_experiment() -> None:
    assert not (LAB.solution_folder / "experiment.json").is_symlink()
    for path in EXPERIMENTS.glob("*.json"):
        bundled = json.loads(path.read_text())
        assert bundled["method"] != KEY["method"], f"the answer key's method is {path.name}'s"
        assert ("chaos.documents", "upload_documents") not in _calls(bundled), f"{path.name} already runs the lab's drill"
    assert README.splitlines()[2].startswith("**What you build that isn't in the repository:**")


def test_the_answer_key_needs_no_summary_probe() -> None:
    """The grader reads the drill's record: an experiment without drill-summary must score 100 (soundness test)."""
    assert ("chaos.pipeline", "drill_summary") not in _calls(KEY)
    assert "drill-summary" not in (LAB.folder / "checks.py").read_text()


def test_readme_numbers_come_from_the_code() -> None:
    parameters = decode_str(TEMPLATE_PATH.read_text())[0]["Parameters"]
    timeout = int(parameters["FunctionTimeout"]["Default"])
    visibility = int(decode_str(TEMPLATE_PATH.read_text())[0]["Mappings"]["VisibilityTimeout"][str(timeout)]["Seconds"])
    assert f"(6 × {timeout} s = {visibility} s)" in README and visibility == 6 * timeout
    assert f"the message's\n{parameters['MaxReceiveCount']['Default']} deliveries, `maxReceiveCount`" in README
    assert f"({EngineSettings().pdf_pages_per_invocation} pages by default, `pdf_pages_per_invocation`)" in README
    short = CHECKS.SHORT_DRILL
    assert f"at most {short['documents']} document of {short['pages']} pages, {short['kill_for_s']} s of kills" in README
    assert all(f"`{key}`" in README for key in short)
    table = dict(re.findall(r"^\| (\w+) \| (\d+) \|", README, re.MULTILINE))
    points = {c.function.__name__: c.points for c in LAB.checks(public_only=True)}
    assert {name: float(value) for name, value in table.items()} == points
    assert sum(points.values()) == 100


def test_readme_lists_only_activities_that_exist_and_are_allowed() -> None:
    import importlib

    listed = re.findall(r"`(chaos\.\w+)\.(\w+)`(?: / `(\w+)`)?", README)
    assert len(listed) >= 10
    for module, *functions in listed:
        assert module in CHECKS.MODULES, f"{module} is listed but the grader refuses it"
        for function in filter(None, functions):
            assert callable(getattr(importlib.import_module(module), function)), f"{module}.{function}"


def _with(change: Any) -> dict:
    experiment = json.loads(json.dumps(KEY))
    change(experiment)
    return experiment


def _constant_probes(experiment: dict) -> None:
    for probe in experiment["steady-state-hypothesis"]["probes"]:
        probe["provider"]["func"] = "broken_expectations"
        probe["provider"]["module"] = "chaos.pipeline"


def _hypothesis_probe_from(module: str, func: str) -> Any:
    def change(experiment: dict) -> None:
        experiment["steady-state-hypothesis"]["probes"][0]["provider"].update(module=module, func=func)

    return change


def _code_tolerance(experiment: dict) -> None:
    experiment["steady-state-hypothesis"]["probes"][0]["tolerance"] = {
        "type": "probe", "name": "always", "provider": {"type": "python", "module": "chaos.pipeline", "func": "dead_letters"}
    }  # fmt: skip


def _environment(experiment: dict) -> None:
    experiment["configuration"]["home"] = {"type": "env", "key": "HOME"}


def _controls(experiment: dict) -> None:
    experiment["controls"] = [{"name": "x", "provider": {"type": "python", "module": "os"}}]


def _regex_tolerance_matches_anything(experiment: dict) -> None:
    for probe in experiment["steady-state-hypothesis"]["probes"]:
        probe["tolerance"] = {"type": "regex", "pattern": ".*"}


CHEATS = {  # name: (experiment, the most the cheap checks may give)
    "probes that always return 0": (_with(_constant_probes), 30),
    "a hypothesis probe calling os.system": (_with(_hypothesis_probe_from("os", "system")), 0),
    "a tolerance that runs a probe": (_with(_code_tolerance), 0),
    "configuration read from $HOME": (_with(_environment), 0),
    "controls that load code": (_with(_controls), 0),
    "regex tolerances that match anything": (_with(_regex_tolerance_matches_anything), 30),
}


@pytest.mark.parametrize("name", CHEATS)
def test_cheats_earn_nothing_they_did_not_do(name: str, tmp_path: Path) -> None:
    experiment, most = CHEATS[name]
    (tmp_path / "experiment.json").write_text(json.dumps(experiment))
    # A journal claiming success is ignored: the grader runs the drill and reads the pipeline.
    (tmp_path / "journal.json").write_text(json.dumps({"status": "completed", "steady_states": {"after": {"steady_state_met": True}}}))
    cheap = [c.name for c in LAB.checks() if not c.needs_emulator]
    report = grade(LAB, tmp_path, seed=7, only=cheap)
    hypothesis = next(o for o in report.outcomes if o.name.startswith("the hypothesis"))
    assert hypothesis.score == 0, f"{name}: {hypothesis.output}"
    assert report.score <= most, f"{name} scores {report.score}: " + "; ".join(f"{o.name}: {o.score}" for o in report.outcomes)
