"""Scenario controls: one table of widgets, rendered for scenario A (sidebar) and B (Compare).

Each `Control` says how to read its widget's value from a scenario and how to write it back,
so the same table drives both sides and the result is always a validated `Scenario` — the same
model `p4lab sim` reads from YAML. The widgets' keys carry a *generation* number that changes
when a preset or a file is loaded: new keys make Streamlit create fresh widgets showing the
loaded values, without callbacks that poke every widget's state.

    scenario, error = render_controls("A", base=load_scenario("plan"), layout="sidebar")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pydantic
import streamlit as st
import yaml

from simulator.scenario import Scenario, load_scenario, preset_names

DEFAULT_HOURS = 1.0  # presets that do not state a run length get this (fast enough to tweak live)
HOURS = [0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0]
MEMORY_MB = [128, 256, 512, 768, 1024, 1536, 1769, 2048, 3008, 4096, 6144, 8192, 10240]
BATCH_SIZES = [1, 2, 5, 10, 25, 50, 100]
NO_LIMIT = "no limit"
MAX_CONCURRENCY = [NO_LIMIT, 2, 5, 10, 20, 50, 100, 200, 300, 500, 750, 1000]
RESERVED = [NO_LIMIT, 0, 10, 50, 100, 200, 500, 1000]
COMPUTE = ["Lambda", "EC2 on-demand", "EC2 spot"]
NO_RULE = "none"
LIFECYCLE = {
    NO_RULE: "no lifecycle rule",
    "glacier_instant": "Glacier Instant Retrieval",
    "glacier_flexible": "Glacier Flexible Retrieval",
    "deep_archive": "Glacier Deep Archive",
}

Data = dict[str, Any]  # Scenario.model_dump(mode="json")
Layout = Literal["sidebar", "columns"]


# ---------------------------------------------------------------- reading and writing fields
def _get(data: Data, path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


def _set(data: Data, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data[part]
    data[last] = value


def _field(path: str, scale: float = 1.0, none_as: Any = None) -> dict[str, Callable]:
    """read/write for a plain field; `scale` converts units (1e6 images → "millions"),
    `none_as` names the widget option that stands for an unset (None) field."""

    def read(data: Data) -> Any:
        value = _get(data, path)
        if value is None:
            return none_as
        return value / scale if scale != 1.0 else value

    def write(data: Data, value: Any) -> None:
        if value == none_as and none_as is not None:
            value = None
        elif scale != 1.0:
            value = round(value * scale, 9)
        _set(data, path, value)

    return {"read": read, "write": write}


def _read_compute(data: Data) -> str:
    if data["compute"] == "lambda":
        return "Lambda"
    return "EC2 spot" if data["fleet"]["purchase"] == "spot" else "EC2 on-demand"


def _write_compute(data: Data, value: str) -> None:
    data["compute"] = "lambda" if value == "Lambda" else "ec2"
    if value != "Lambda":
        data["fleet"]["purchase"] = "spot" if value == "EC2 spot" else "on_demand"


def _read_lifecycle(data: Data) -> str:
    storage = data["storage"]
    return NO_RULE if storage["transition_after_days"] is None else storage["transition_to"]


def _write_lifecycle(data: Data, value: str) -> None:
    storage = data["storage"]
    if value == NO_RULE:
        storage["transition_after_days"] = None
    else:
        storage["transition_to"] = value
        storage["transition_after_days"] = storage["transition_after_days"] or 90.0


def _write_lifecycle_days(data: Data, value: float) -> None:
    if data["storage"]["transition_after_days"] is not None:  # only when a rule is chosen
        data["storage"]["transition_after_days"] = float(value)


# ---------------------------------------------------------------- the table of controls
@dataclass(frozen=True)
class Control:
    """One widget: how it looks, and how it maps to the scenario."""

    key: str
    label: str
    kind: Literal["slider", "select_slider", "selectbox", "radio"]
    read: Callable[[Data], Any]
    write: Callable[[Data, Any], None]
    options: Sequence[Any] = ()  # select_slider / selectbox / radio
    bounds: tuple[float, float, float] = (0.0, 1.0, 0.1)  # slider: min, max, step
    help: str = ""
    enabled: Callable[[dict[str, Any]], bool] = lambda values: True  # given the values so far
    format: Callable[[Any], str] = str


def _is_lambda(values: dict[str, Any]) -> bool:
    return values.get("compute") == "Lambda"


GROUPS: list[tuple[str, list[Control]]] = [
    ("Run", [
        Control("hours", "Simulated hours", "select_slider", **_field("simulation.hours"), options=HOURS,
                help="1 h re-runs in about a second; runs over an hour show a progress bar. The bill is "
                     "for these hours; a day and a month are extrapolated with the traffic's daily shape "
                     "(a 24 h run needs no extrapolation).",
                format=lambda h: f"{h:g} h"),
    ]),
    ("Workload", [
        Control("images_per_day", "Daily volume (million images)", "slider",
                **_field("workload.images_per_day", scale=1e6), bounds=(0.1, 50.0, 0.1)),
        Control("shape", "Traffic shape", "radio", **_field("workload.shape"),
                options=["flat", "diurnal", "spike"]),
        Control("spike_multiplier", "Spike size (× the mean rate)", "slider",
                **_field("workload.spike.multiplier"), bounds=(1.0, 50.0, 1.0),
                enabled=lambda v: v.get("shape") == "spike"),
        Control("spike_start", "Spike start (hours into the run)", "slider",
                **_field("workload.spike.start_hour"), bounds=(0.0, 24.0, 0.25),
                enabled=lambda v: v.get("shape") == "spike"),
        Control("spike_minutes", "Spike duration (minutes)", "slider",
                **_field("workload.spike.duration_minutes"), bounds=(1.0, 120.0, 1.0),
                enabled=lambda v: v.get("shape") == "spike"),
        Control("size_mb", "Image size, median (MB)", "slider", **_field("workload.size_median_mb"),
                bounds=(0.1, 10.0, 0.1)),
    ]),
    ("Compute", [
        Control("compute", "Compute", "radio", read=_read_compute, write=_write_compute, options=COMPUTE,
                help="EC2 workers poll the queue and scale on backlog per worker (fleet settings "
                     "from the scenario file)."),
        Control("memory_mb", "Lambda memory (MB)", "select_slider", **_field("function.memory_mb"),
                options=MEMORY_MB, enabled=_is_lambda, help="1,769 MB is one full vCPU."),
        Control("architecture", "Lambda architecture", "radio", **_field("function.architecture"),
                options=["x86_64", "arm64"], enabled=_is_lambda),
        Control("batch_size", "Batch size", "select_slider", **_field("function.batch_size"),
                options=BATCH_SIZES, enabled=_is_lambda,
                help="Above 10 needs a batching window of at least 1 s."),
        Control("batching_window_s", "Batching window (s)", "slider", **_field("function.batching_window_s"),
                bounds=(0.0, 20.0, 0.5), enabled=_is_lambda),
        Control("maximum_concurrency", "Maximum concurrency (event source mapping)", "select_slider",
                **_field("function.maximum_concurrency", none_as=NO_LIMIT), options=MAX_CONCURRENCY,
                enabled=_is_lambda),
        Control("reserved_concurrency", "Reserved concurrency (function)", "select_slider",
                **_field("function.reserved_concurrency", none_as=NO_LIMIT), options=RESERVED,
                enabled=_is_lambda, help="Below the mapping's concurrency, invocations are throttled."),
    ]),
    ("Queue and failures", [
        Control("visibility_timeout_s", "Visibility timeout (s)", "slider",
                **_field("queue.visibility_timeout_s"), bounds=(5.0, 900.0, 5.0),
                help="AWS: at least 6 × the function timeout."),
        Control("max_receive_count", "maxReceiveCount (then the DLQ)", "slider",
                **_field("queue.max_receive_count"), bounds=(1, 20, 1)),
        Control("transient_error_pct", "Transient error rate (% of attempts)", "slider",
                **_field("handler.transient_error_rate", scale=0.01), bounds=(0.0, 20.0, 0.1)),
        Control("poison_pct", "Poison messages (% of uploads)", "slider",
                **_field("handler.poison_rate", scale=0.01), bounds=(0.0, 5.0, 0.05),
                help="Fail every attempt and end in the dead-letter queue."),
    ]),
    ("Storage and billing", [
        Control("lifecycle", "Lifecycle rule for originals", "selectbox", read=_read_lifecycle,
                write=_write_lifecycle, options=list(LIFECYCLE), format=LIFECYCLE.get),
        Control("lifecycle_days", "Transition after (days)", "slider",
                read=lambda d: d["storage"]["transition_after_days"] or 90.0, write=_write_lifecycle_days,
                bounds=(1.0, 365.0, 1.0), enabled=lambda v: v.get("lifecycle") != NO_RULE),
        Control("month", "Month of operation (storage accumulates)", "slider",
                **_field("billing.month_of_operation"), bounds=(1, 36, 1)),
    ]),
]  # fmt: skip
CONTROLS = [control for _, controls in GROUPS for control in controls]


# ---------------------------------------------------------------- rendering
def render_controls(side: str, base: Scenario, layout: Layout) -> tuple[Scenario | None, str | None]:
    """Draw the controls for scenario `side` starting from `base`; return (scenario, None) or
    (None, message) when the combination is invalid (e.g. batch 25 with a 0 s window)."""
    data = base.model_dump(mode="json")
    generation = st.session_state.get(f"{side}.generation", 0)
    values: dict[str, Any] = {}
    for group, container in zip(GROUPS, _group_containers(layout), strict=True):
        with container:
            for control in group[1]:
                key = f"{side}.{generation}.{control.key}"
                values[control.key] = _widget(control, control.read(data), key, control.enabled(values))
    for control in CONTROLS:
        control.write(data, values[control.key])
    try:
        return Scenario.model_validate(data), None
    except pydantic.ValidationError as error:
        return None, explain_validation(error)


def _group_containers(layout: Layout) -> list:
    """Sidebar: one expander per group. Main area: one column per group (expanders cannot nest)."""
    if layout == "sidebar":
        return [st.sidebar.expander(name, expanded=name in ("Run", "Workload", "Compute")) for name, _ in GROUPS]
    columns = st.columns(len(GROUPS))
    for column, (name, _) in zip(columns, GROUPS, strict=True):
        column.markdown(f"**{name}**")
    return columns


def _widget(control: Control, current: Any, key: str, enabled: bool) -> Any:
    """One Streamlit widget showing `current`; returns its value this run."""
    common = {"label": control.label, "key": key, "help": control.help or None, "disabled": not enabled}
    if control.kind == "slider":
        low, high, step = control.bounds
        kind = int if isinstance(step, int) else float
        value = kind(min(max(current, low), high))
        return st.slider(min_value=kind(low), max_value=kind(high), step=kind(step), value=value, **common)
    options = list(control.options)
    if current not in options:  # a file or preset may hold a value between the usual steps
        options = _with_option(options, current)
    if control.kind == "select_slider":
        return st.select_slider(options=options, value=current, format_func=control.format, **common)
    if control.kind == "radio":
        return st.radio(options=options, index=options.index(current), horizontal=True, **common)
    return st.selectbox(options=options, index=options.index(current), format_func=control.format, **common)


def _with_option(options: list[Any], value: Any) -> list[Any]:
    """`options` plus `value`, keeping numbers in order (a leading text option stays first)."""
    words = [o for o in options if isinstance(o, str)]
    numbers = [o for o in options if not isinstance(o, str)]
    if isinstance(value, str):
        return words + [value] + numbers
    return words + sorted([*numbers, value])


def explain_validation(error: pydantic.ValidationError) -> str:
    """One line per problem, naming the scenario field the way the YAML file spells it."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "(top level)"
        got = "" if isinstance(problem.get("input"), dict) else f" (got {problem.get('input')!r})"
        lines.append(f"- `{where}`: {problem['msg']}{got}")
    return "\n".join(lines)


# ---------------------------------------------------------------- presets and files
def initial_scenario(scenario: Scenario) -> Scenario:
    """A loaded scenario as the app starts it: a run length it does not state becomes 1 h
    (the model's default, 24 h, takes most of a minute to simulate)."""
    if "hours" not in scenario.simulation.model_fields_set:
        scenario = scenario.model_copy(deep=True)
        scenario.simulation.hours = DEFAULT_HOURS
    return scenario


def parse_scenario_file(text: str | bytes) -> tuple[Scenario | None, str | None]:
    """A scenario from uploaded YAML, or a message saying what is wrong (never a traceback)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return None, f"The file is not valid YAML{where}: {getattr(error, 'problem', error)}."
    if not isinstance(data, dict):
        return None, f"A scenario must be a YAML mapping, got {type(data).__name__}."
    try:
        return Scenario.model_validate(data), None
    except pydantic.ValidationError as error:
        return None, (
            "The file is not a valid scenario:\n" + explain_validation(error)
            + "\n\nEvery field and its default is listed in docs/simulator.md."
        )


def set_base(side: str, scenario: Scenario) -> None:
    """Make `scenario` the starting point of `side`'s controls (fresh widgets show it)."""
    st.session_state[f"{side}.base"] = scenario
    st.session_state[f"{side}.generation"] = st.session_state.get(f"{side}.generation", 0) + 1


def base_scenario(side: str, default_preset: str = "plan") -> Scenario:
    """The scenario `side`'s controls start from (a preset until the user loads another)."""
    key = f"{side}.base"
    if key not in st.session_state:
        st.session_state[key] = initial_scenario(load_scenario(default_preset))
    return st.session_state[key]


def preset_picker(side: str, container=st.sidebar, label: str = "Preset", default: str | None = "plan") -> None:
    """A selectbox of the shipped presets; choosing one reloads the controls from it. With no
    `default`, the box shows `label` as a placeholder (for B, which starts as a variation of A)."""

    def load() -> None:
        if (name := st.session_state[f"{side}.preset"]) is not None:
            set_base(side, initial_scenario(load_scenario(name)))

    names = preset_names()
    container.selectbox(
        label, names, index=None if default is None else names.index(default), key=f"{side}.preset",
        on_change=load, placeholder=label, label_visibility="visible" if default else "collapsed",
    )  # fmt: skip


def file_controls(side: str, scenario: Scenario | None, container=st.sidebar) -> None:
    """Download the scenario as the YAML `p4lab sim` reads; upload one to continue from it."""
    error_key = f"{side}.upload_error"

    def upload() -> None:
        file = st.session_state.get(f"{side}.upload")
        if file is None:
            return
        loaded, message = parse_scenario_file(file.getvalue())
        st.session_state[error_key] = message and f"**{file.name}**: {message}"
        if loaded is not None:
            set_base(side, initial_scenario(loaded))

    if scenario is not None:
        container.download_button(
            "Download scenario YAML",
            data=scenario.to_yaml(),
            file_name=f"{scenario.name or 'scenario'}.yaml",
            mime="application/x-yaml",
            key=f"{side}.download",
            help="The same file `p4lab sim FILE.yaml` reads.",
        )
    container.file_uploader("Upload scenario YAML", type=["yaml", "yml"], key=f"{side}.upload", on_change=upload)
    if message := st.session_state.get(error_key):
        container.error(message)
