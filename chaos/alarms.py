"""CloudWatch alarm definitions evaluated on the data a drill observed, the way CloudWatch would.

MiniStack publishes no metrics (neither the function's embedded-metric-format log lines nor the
queues' AWS/SQS metrics), and its CloudFormation cannot create metric-math or composite alarms,
so an alarm on the embedded target never leaves INSUFFICIENT_DATA. A drill can still say whether
an alarm *would* have fired: read the metrics back from what was observed, then apply the
alarm's own definition.

* :func:`emf_samples` — the metrics a function published, from its JSON log lines (EMF);
* :func:`definitions` — the metric and composite alarms of a template, references resolved;
* :func:`datapoints` — one metric's statistic per period (``Sum``, ``Average``, ``p95``...);
* :func:`alarm_series` — an alarm's datapoints, metric math included (``FILL(m1, 0) / m2``);
* :func:`breaching` — a datapoint against the alarm's threshold;
* :func:`states` — the alarm's state after each period (M out of N, ``TreatMissingData``);
* :func:`composite_state` — a composite alarm's rule over its children's states.

Samples are ``{metric: [(epoch seconds, value), ...]}`` where a metric is a
:class:`Metric` (namespace, name, dimensions). Resources named in a template (a queue's
``QueueName``, an alarm) stand for themselves by logical id: ``!GetAtt DeadLetterQueue.QueueName``
becomes ``"DeadLetterQueue"``, and a drill records its queue samples under that name.

Limitations (documented, not hidden): arithmetic between two time series keeps the periods
where both have a datapoint (use ``FILL``); division by zero gives no datapoint; the metric-math
functions supported are ``FILL``, ``ABS``, ``MIN``/``MAX`` of two series and ``IF(c, a, b)``; all
metrics of one alarm share one period; an alarm with ``TreatMissingData`` ``missing`` or
``ignore`` and no datapoint in its window keeps its previous state (``INSUFFICIENT_DATA`` at first).
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

ALARM, OK, INSUFFICIENT = "ALARM", "OK", "INSUFFICIENT_DATA"
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


class Unsupported(ValueError):
    """A definition this evaluator cannot judge (the message says what and why)."""


class Metric(NamedTuple):
    namespace: str
    name: str
    dimensions: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, namespace: str, name: str, dimensions: dict[str, str] | None = None) -> Metric:
        return cls(namespace, name, frozenset((dimensions or {}).items()))

    def __str__(self) -> str:
        dims = ", ".join(f"{k}={v}" for k, v in sorted(self.dimensions))
        return f"{self.namespace}/{self.name} {{{dims}}}"


Samples = dict[Metric, list[tuple[float, float]]]


# ----------------------------------------------------------------------------- what was published
def emf_samples(messages: Iterable[str]) -> Samples:
    """Metrics published in CloudWatch's embedded metric format, one sample per value.

    Each dimension set of a directive is a metric of its own, as CloudWatch stores it.

        >>> line = json.dumps({"_aws": {"Timestamp": 60000, "CloudWatchMetrics": [{"Namespace": "p4lab",
        ...     "Dimensions": [["service"]], "Metrics": [{"Name": "ProcessingTime"}]}]},
        ...     "service": "p4lab-processor", "ProcessingTime": [120, 80]})
        >>> {str(metric): values for metric, values in emf_samples([line, "not json"]).items()}
        {'p4lab/ProcessingTime {service=p4lab-processor}': [(60.0, 120.0), (60.0, 80.0)]}
    """
    found: Samples = {}
    for message in messages:
        try:
            record = json.loads(message)
        except (ValueError, TypeError):
            continue
        meta = record.get("_aws") if isinstance(record, dict) else None
        if not isinstance(meta, dict):
            continue
        at = float(meta.get("Timestamp", 0)) / 1000
        for directive in meta.get("CloudWatchMetrics") or []:
            for dimension_set in directive.get("Dimensions") or [[]]:
                dims = {name: str(record.get(name)) for name in dimension_set}
                for declared in directive.get("Metrics") or []:
                    values = record.get(declared.get("Name"))
                    for value in values if isinstance(values, list) else [values]:
                        if isinstance(value, (int, float)):
                            metric = Metric.of(directive.get("Namespace", ""), declared["Name"], dims)
                            found.setdefault(metric, []).append((at, float(value)))
    return found


# ----------------------------------------------------------------------------- definitions
def _resolved(value: Any) -> Any:
    """A template value with intrinsic functions replaced by the logical ids they name."""
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Ref":
            return str(argument)
        if function == "Fn::GetAtt":
            parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
            return str(parts[0])
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
            return re.sub(r"\$\{([^}!:]+)\}", lambda m: str(_resolved(variables.get(m.group(1), m.group(1).split(".")[0]))), text)
        if function == "Fn::Join":
            return str(argument[0]).join(str(_resolved(part)) for part in argument[1])
    if isinstance(value, dict):
        return {k: _resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v) for v in value]
    return value


@dataclass
class Definition:
    """One alarm of a template: its logical id, kind, and properties with references resolved."""

    name: str
    kind: str  # "metric" or "composite"
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def actions(self) -> list[Any]:
        if str(self.properties.get("ActionsEnabled", True)).lower() == "false":
            return []
        return [*(self.properties.get("AlarmActions") or [])]


def definitions(template: dict[str, Any]) -> dict[str, Definition]:
    """The metric and composite alarms of a (decoded) CloudFormation template, by logical id."""
    kinds = {"AWS::CloudWatch::Alarm": "metric", "AWS::CloudWatch::CompositeAlarm": "composite"}
    return {
        name: Definition(name, kinds[resource["Type"]], _resolved(resource.get("Properties") or {}))
        for name, resource in (template.get("Resources") or {}).items()
        if isinstance(resource, dict) and resource.get("Type") in kinds
    }


# ----------------------------------------------------------------------------- datapoints
def statistic(name: str, values: list[float]) -> float:
    """A CloudWatch statistic of raw values: Sum, Average, Minimum, Maximum, SampleCount or pNN.

        >>> statistic("p95", list(range(1, 101))), statistic("SampleCount", [3, 4])
        (95.0, 2.0)
    """
    if name.startswith(("p", "P")) and re.fullmatch(r"[pP]\d+(\.\d+)?", name):
        ranked = sorted(values)
        rank = max(1, math.ceil(float(name[1:]) / 100 * len(ranked)))
        return float(ranked[rank - 1])
    simple = {"Sum": sum, "Average": lambda v: sum(v) / len(v), "Minimum": min, "Maximum": max, "SampleCount": len}
    if name not in simple:
        raise Unsupported(f"unknown statistic {name!r} (Sum, Average, Minimum, Maximum, SampleCount or a percentile like p95)")
    return float(simple[name](values))


def datapoints(samples: list[tuple[float, float]], stat: str, bucket: Callable[[float], Any]) -> dict[Any, float]:
    """The statistic of the samples in each bucket (a period's start); no samples, no datapoint.

    A sample whose bucket is None is left out (outside every period that is judged).

        >>> datapoints([(5, 1.0), (70, 2.0), (80, 4.0)], "Sum", lambda at: at // 60 * 60)
        {0: 1.0, 60: 6.0}
    """
    grouped: dict[float, list[float]] = {}
    for at, value in samples:
        key = bucket(at)
        if key is not None:
            grouped.setdefault(key, []).append(value)
    return {start: statistic(stat, values) for start, values in grouped.items()}


def _metric_of(stat: dict[str, Any]) -> Metric:
    metric = stat.get("Metric") or {}
    dims = {d.get("Name"): str(d.get("Value")) for d in metric.get("Dimensions") or []}
    return Metric.of(str(metric.get("Namespace", "")), str(metric.get("MetricName", "")), dims)


def watched(alarm: Definition) -> list[Metric]:
    """The metrics a metric alarm reads (several with metric math)."""
    props = alarm.properties
    if props.get("Metrics"):
        return [_metric_of(m["MetricStat"]) for m in props["Metrics"] if isinstance(m, dict) and m.get("MetricStat")]
    dims = {d.get("Name"): str(d.get("Value")) for d in props.get("Dimensions") or []}
    return [Metric.of(str(props.get("Namespace", "")), str(props.get("MetricName", "")), dims)]


def period_of(alarm: Definition) -> float:
    props = alarm.properties
    if props.get("Metrics"):
        periods = {int(m["MetricStat"].get("Period", 60)) for m in props["Metrics"] if isinstance(m, dict) and m.get("MetricStat")}
        if len(periods) != 1:
            raise Unsupported(f"{alarm.name}: its metrics must share one period, not {sorted(periods)}")
        return float(periods.pop())
    return float(props.get("Period", 60))


def alarm_series(alarm: Definition, samples: Samples, bucket: Callable[[float], Any] | None = None) -> dict[Any, float]:
    """The alarm's datapoints: its metric's statistic per period, or its metric-math expression.

    ``bucket`` maps a sample's time to its period (default: the alarm's own period), so a drill
    can judge one datapoint per phase (its keys need not be numbers; None leaves a sample out).
    """
    props = alarm.properties
    period = period_of(alarm)
    key = bucket or (lambda at: math.floor(at / period) * period)

    def points(metric: Metric, stat: str) -> dict[float, float]:
        return datapoints(samples.get(metric, []), stat, key)

    if not props.get("Metrics"):
        stat = props.get("ExtendedStatistic") or props.get("Statistic")
        if not stat:
            raise Unsupported(f"{alarm.name} has neither Statistic nor ExtendedStatistic")
        return points(watched(alarm)[0], str(stat))
    series: dict[str, dict[float, float]] = {}
    expressions: dict[str, str] = {}
    returned = [m for m in props["Metrics"] if isinstance(m, dict) and m.get("ReturnData", True) not in (False, "false")]
    for entry in props["Metrics"]:
        if entry.get("MetricStat"):
            series[entry["Id"]] = points(_metric_of(entry["MetricStat"]), str(entry["MetricStat"].get("Stat", "Average")))
        elif entry.get("Expression"):
            expressions[entry["Id"]] = str(entry["Expression"])
    if len(returned) != 1:
        raise Unsupported(f"{alarm.name}: exactly one of Metrics must have ReturnData true (found {len(returned)})")
    grid = sorted({start for points_ in series.values() for start in points_}, key=str if bucket else None)
    return _evaluate(returned[0]["Id"], series, expressions, grid)


# ----------------------------------------------------------------------------- metric math
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Pow: operator.pow}
Value = float | dict[float, float]


def _evaluate(name: str, series: dict[str, dict[float, float]], expressions: dict[str, str], grid: list[float],
              seen: frozenset[str] = frozenset()) -> dict[float, float]:  # fmt: skip
    if name in series:
        return series[name]
    if name in seen or name not in expressions:
        raise Unsupported(f"metric math refers to {name!r}, which is not one of the alarm's metrics or expressions")
    try:
        tree = ast.parse(expressions[name], mode="eval")
    except SyntaxError as error:
        raise Unsupported(f"cannot parse the expression {expressions[name]!r}: {error.msg}") from None
    result = _node(tree.body, lambda n: _evaluate(n, series, expressions, grid, seen | {name}), grid)
    if not isinstance(result, dict):
        raise Unsupported(f"the expression {expressions[name]!r} is a constant, not a time series")
    return result


def _combine(op: Callable[[float, float], float], left: Value, right: Value) -> Value:
    def apply(a: float, b: float) -> float | None:
        try:
            return op(a, b)
        except ZeroDivisionError:
            return None

    if isinstance(left, dict) and isinstance(right, dict):
        pairs = {t: apply(left[t], right[t]) for t in left.keys() & right.keys()}
    elif isinstance(left, dict):
        pairs = {t: apply(v, right) for t, v in left.items()}  # type: ignore[arg-type]
    elif isinstance(right, dict):
        pairs = {t: apply(left, v) for t, v in right.items()}
    else:
        return op(left, right)
    return {t: v for t, v in pairs.items() if v is not None}


def _node(node: ast.AST, lookup: Callable[[str], dict[float, float]], grid: list[float]) -> Value:  # noqa: C901
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name):
        return lookup(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        return _combine(operator.mul, sign, _node(node.operand, lookup, grid))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _combine(_BINARY[type(node.op)], _node(node.left, lookup, grid), _node(node.right, lookup, grid))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        compare = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Eq: operator.eq}
        if type(node.ops[0]) in compare:
            test = compare[type(node.ops[0])]
            return _combine(lambda a, b: float(test(a, b)), _node(node.left, lookup, grid), _node(node.comparators[0], lookup, grid))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        function, args = node.func.id, [_node(a, lookup, grid) for a in node.args]
        if function == "FILL" and len(args) == 2 and isinstance(args[0], dict) and not isinstance(args[1], dict):
            return {t: args[0].get(t, args[1]) for t in grid}
        if function == "ABS" and len(args) == 1:
            return _combine(lambda a, _: abs(a), args[0], 0.0)
        if function in ("MIN", "MAX") and len(args) == 2:
            return _combine(min if function == "MIN" else max, args[0], args[1])
        if function == "IF" and len(args) == 3:
            test, yes, no = (_as_series(a, grid) for a in args)
            return {t: (yes if flag else no)[t] for t, flag in test.items() if t in (yes if flag else no)}
        raise Unsupported(f"metric math {function}() with {len(args)} arguments is not supported here (FILL, ABS, MIN, MAX, IF)")
    raise Unsupported(f"cannot evaluate {ast.unparse(node)!r} in metric math")


def _as_series(value: Value, grid: list[float]) -> dict[float, float]:
    return value if isinstance(value, dict) else dict.fromkeys(grid, value)


# ----------------------------------------------------------------------------- states
def breaching(alarm: Definition, value: float) -> bool:
    """Whether one datapoint is on the alarm's side of its threshold."""
    compare = COMPARE.get(str(alarm.properties.get("ComparisonOperator", "")))
    if compare is None:
        given = alarm.properties.get("ComparisonOperator")
        raise Unsupported(f"{alarm.name}: ComparisonOperator {given!r} is not a threshold comparison (anomaly bands are not judged here)")
    return compare(value, float(alarm.properties.get("Threshold", 0)))


def states(alarm: Definition, series: dict[float, float], times: list[float]) -> list[str]:
    """The alarm's state at each time: its last ``EvaluationPeriods`` complete periods, M of N.

        >>> a = Definition("A", "metric", {"Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 2,
        ...     "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"})
        >>> states(a, {0: 5, 60: 0, 120: 5, 240: 0}, [60, 180, 240, 300])  # at 180: 0-120 have two of three
        ['OK', 'ALARM', 'OK', 'OK']
    """
    props = alarm.properties
    period, n = period_of(alarm), int(props.get("EvaluationPeriods", 1))
    m = int(props.get("DatapointsToAlarm") or n)
    missing = str(props.get("TreatMissingData") or "missing")
    state, result = INSUFFICIENT, []
    for now in times:
        last = math.floor(now / period) * period - period  # the newest complete period
        window = [series.get(last - k * period) for k in range(n)]
        verdicts = [breaching(alarm, v) if v is not None else {"breaching": True, "notBreaching": False}.get(missing) for v in window]
        known = [v for v in verdicts if v is not None]
        if known:
            state = ALARM if sum(known) >= m else OK
        result.append(state)
    return result


_TOKEN = re.compile(r"\s*(?:(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*\"?([^()\"]+?)\"?\s*\)|(AND|OR|NOT|TRUE|FALSE)\b|([()]))")


def composite_state(rule: str, children: dict[str, str]) -> str:
    """ALARM or OK: a composite alarm's ``AlarmRule`` over its children's states (names or ARNs).

        >>> composite_state("ALARM(a) OR (ALARM(b) AND NOT OK(c))", {"a": "OK", "b": "ALARM", "c": "ALARM"})
        'ALARM'
    """
    tokens, position = [], 0
    while position < len(rule.rstrip()):
        match = _TOKEN.match(rule, position)
        if not match:
            raise Unsupported(f"cannot read the alarm rule at {rule[position:position + 30]!r}")
        position = match.end()
        if match.group(1):
            name = match.group(2).strip().rsplit(":alarm:", 1)[-1]
            if name not in children:
                raise Unsupported(f"the rule names {name!r}, which is not an alarm of the template")
            tokens.append(children[name] == match.group(1))
        else:
            tokens.append(match.group(3) or match.group(4))
    value, rest = _disjunction(tokens)
    if rest:
        raise Unsupported(f"unexpected {rest[0]!r} in the alarm rule")
    return ALARM if value else OK


def _disjunction(tokens: list) -> tuple[bool, list]:
    return _chain(tokens, "OR", _conjunction)


def _conjunction(tokens: list) -> tuple[bool, list]:
    return _chain(tokens, "AND", _negation)


def _chain(tokens: list, word: str, operand: Callable[[list], tuple[bool, list]]) -> tuple[bool, list]:
    """Operands joined by ``word`` (AND binds tighter than OR: each level chains the next)."""
    value, tokens = operand(tokens)
    while tokens[:1] == [word]:
        right, tokens = operand(tokens[1:])
        value = (value or right) if word == "OR" else (value and right)
    return value, tokens


def _negation(tokens: list) -> tuple[bool, list]:
    if not tokens:
        raise Unsupported("the alarm rule ends too early")
    head, *rest = tokens
    if head == "NOT":
        value, rest = _negation(rest)
        return not value, rest
    if head == "(":
        value, rest = _disjunction(rest)
        if rest[:1] != [")"]:
            raise Unsupported("a parenthesis of the alarm rule is not closed")
        return value, rest[1:]
    if head in ("TRUE", "FALSE"):
        return head == "TRUE", rest
    if isinstance(head, bool):
        return head, rest
    raise Unsupported(f"unexpected {head!r} in the alarm rule")
