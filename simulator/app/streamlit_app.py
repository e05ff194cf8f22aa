"""p4lab simulator, the instructor app: change a setting, watch the queue, the scaling and the bill.

Run with ``p4lab sim-app`` (or ``streamlit run simulator/app/streamlit_app.py``). The sidebar
builds scenario A; the tabs show its results, compare it with a scenario B, show its YAML (the
file ``p4lab sim`` reads) and the documentation. Only the open tab runs, so an idle Compare tab
costs no simulation.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from simulator.app import charts, compare, controls, views
from simulator.app.runs import headline, simulate
from simulator.scenario import Scenario

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
TABS = ["Results", "Compare", "Scenario", "Docs"]
QUICK_COMPARISONS = {
    "Lambda vs EC2 spot": ({"compute": "ec2", "fleet.purchase": "spot"}, "EC2 spot"),
    "x86_64 vs arm64": ({"function.architecture": "arm64"}, "arm64"),
    "batch 10 vs batch 1": ({"function.batch_size": 1, "function.batching_window_s": 0.0}, "batch 1"),
}


def sidebar() -> Scenario | None:
    """Scenario A: a preset, edited with the controls; download or upload it as YAML."""
    st.sidebar.toggle("Projector mode (large type)", key="projector", help="Metrics, text and chart axes big "
                      "enough to read from the back of a room.")  # fmt: skip
    st.sidebar.title("Scenario A")
    controls.preset_picker("A")
    scenario, problem = controls.render_controls("A", controls.base_scenario("A"), layout="sidebar")
    with st.sidebar.expander("Scenario file (YAML)", expanded=True):
        controls.file_controls("A", scenario, container=st)
    if problem:
        st.error(f"These settings are not a valid scenario:\n{problem}")
    return scenario


def results_tab(scenario: Scenario) -> None:
    st.title(f"{scenario.name} · {scenario.simulation.hours:g} h simulated")
    if scenario.description:
        st.markdown(scenario.description)
    result, seconds = simulate(scenario)
    key = scenario.model_dump_json()
    views.render_results({scenario.name: result}, {scenario.name: views.previous_headline("A", key, result)}, font())
    views.footer(result, seconds)


def compare_tab(a: Scenario) -> None:
    """A against B, where B is a quick variation of A, a preset, or edited freely."""
    st.title("Compare two scenarios")
    st.caption("B starts as a copy of A with one change; edit it below. Green = B is lower (better).")
    if "B.base" not in st.session_state:
        _set_b(a, *QUICK_COMPARISONS["Lambda vs EC2 spot"])
    columns = st.columns(len(QUICK_COMPARISONS) + 1)
    for column, (label, (changes, suffix)) in zip(columns, QUICK_COMPARISONS.items(), strict=False):
        column.button(label, on_click=_set_b, args=(a, changes, suffix), width="stretch")
    controls.preset_picker("B", container=columns[-1], label="… or B = a preset", default=None)
    with st.expander("Scenario B settings", expanded=False):
        b, problem = controls.render_controls("B", controls.base_scenario("B"), layout="columns")
        controls.file_controls("B", b, container=st)
    if problem:
        st.error(f"Scenario B is not valid:\n{problem}")
        return
    differences = compare.styled_settings(a, b)
    if differences is None:
        st.info("A and B have the same settings: change something in *Scenario B settings*.")
    else:
        st.markdown("**Settings that differ**")
        st.dataframe(differences, width="stretch")
    (result_a, _), (result_b, _) = simulate(a), simulate(b)
    st.markdown("**Metrics, B against A**")
    st.dataframe(compare.styled_deltas(compare.metric_deltas(result_a, result_b)), width="stretch")
    label_a, label_b = f"A · {a.name}", f"B · {b.name}"
    views.render_results({label_a: result_a, label_b: result_b}, {label_a: None, label_b: headline(result_a)}, font())


def font() -> int:
    """Chart type size: bigger in projector mode."""
    return charts.PROJECTOR_FONT if st.session_state.get("projector") else charts.FONT


def _set_b(a: Scenario, changes: dict[str, object], suffix: str) -> None:
    controls.set_base("B", compare.with_changes(a, changes, name=f"{a.name} ({suffix})"))


def yaml_tab(scenario: Scenario) -> None:
    """What this scenario is: what it changes from the course's plan, readable; the file below."""
    st.title(f"Scenario: {scenario.name}")
    if scenario.description:
        st.markdown(scenario.description)
    table = compare.changes_from_defaults(scenario)
    if table is None:
        st.info("This is the course's plan: every setting at its default.")
    else:
        st.markdown("**What it changes from the course's plan** (every other setting is the plan's)")
        st.table(table.set_index(["section", "setting"]))  # HTML, so projector mode enlarges it too
    st.markdown("**As a file** — only the changes; `p4lab sim` and *Upload* fill in the rest:")
    st.code(scenario.changes_yaml(), language="yaml")
    st.markdown(
        f"Run it: `p4lab sim {scenario.name}.yaml` (`--json` for machine-readable output, "
        "`--plot run.png` for a picture). *Download scenario YAML* gives every field."
    )
    with st.expander("Every field, with its value"):
        st.code(scenario.to_yaml(), language="yaml")


def docs_tab() -> None:
    """The pages the charts' notes link to ("More: docs/…" opens this tab)."""
    for name in ("simulator-app.md", "simulator.md", "cost-model.md"):
        path = DOCS_DIR / name
        if path.exists():
            with st.expander(f"docs/{name}", expanded=name == "simulator.md"):
                st.markdown(path.read_text())


def main() -> None:
    st.set_page_config(page_title="p4lab simulator", page_icon="📈", layout="wide")
    st.html(views.PAGE_CSS)  # big headline numbers and text, less empty space at the top
    if st.session_state.get("projector"):
        st.html(views.PROJECTOR_CSS)
    scenario = sidebar()
    tabs = st.tabs(TABS, key="view", on_change="rerun", bind="query-params")
    results, comparison, scenario_view, docs = tabs
    if docs.open:
        with docs:
            docs_tab()
    if scenario is None:  # invalid settings: the error is shown; nothing to simulate
        return
    if results.open:
        with results:
            results_tab(scenario)
    if comparison.open:
        with comparison:
            compare_tab(scenario)
    if scenario_view.open:
        with scenario_view:
            yaml_tab(scenario)


main()
