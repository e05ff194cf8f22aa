"""chaos.alarms: CloudWatch's rules for the cases lab 10 and drills rely on (metric math over sparse
metrics, percentiles, M of N, composite rules with names or ARNs), and refusing what it cannot judge."""

from __future__ import annotations

import json

import pytest

from chaos.alarms import (
    ALARM,
    OK,
    Definition,
    Metric,
    Unsupported,
    alarm_series,
    composite_state,
    definitions,
    emf_samples,
    states,
)

SERVICE = {"service": "p4lab-processor"}
RETRIED, RECEIVED = Metric.of("p4lab", "RecordsRetried", SERVICE), Metric.of("p4lab", "RecordsReceived", SERVICE)


def _stat(name: str) -> dict:
    dimensions = [{"Name": "service", "Value": "p4lab-processor"}]
    return {"Metric": {"Namespace": "p4lab", "MetricName": name, "Dimensions": dimensions}, "Period": 60, "Stat": "Sum"}


def _ratio(expression: str) -> Definition:
    return Definition("Ratio", "metric", {
        "Metrics": [{"Id": "retried", "MetricStat": _stat("RecordsRetried"), "ReturnData": False},
                    {"Id": "received", "MetricStat": _stat("RecordsReceived"), "ReturnData": False},
                    {"Id": "ratio", "Expression": expression}],
        "Threshold": 0.01, "ComparisonOperator": "GreaterThanThreshold", "EvaluationPeriods": 2, "TreatMissingData": "notBreaching",
    })  # fmt: skip


SAMPLES = {RECEIVED: [(10, 100.0), (70, 100.0), (130, 200.0)], RETRIED: [(75, 5.0), (130, 4.0)]}


def test_metric_math_keeps_periods_where_both_have_data_unless_filled() -> None:
    assert alarm_series(_ratio("retried / received"), SAMPLES) == {60: 0.05, 120: 0.02}
    assert alarm_series(_ratio("FILL(retried, 0) / received"), SAMPLES) == {0: 0.0, 60: 0.05, 120: 0.02}
    assert alarm_series(_ratio("100 * IF(received > 150, retried / received, 0)"), SAMPLES) == {0: 0.0, 60: 0.0, 120: 2.0}
    alarm = _ratio("FILL(retried, 0) / received")
    assert states(alarm, alarm_series(alarm, SAMPLES), [60, 120, 180]) == [OK, OK, ALARM]


@pytest.mark.parametrize("expression", ["__import__('os').system('true')", "retried.__class__", "lambda: 1", "SQRT(retried)", "other"])
def test_anything_but_metric_math_is_refused(expression: str) -> None:
    with pytest.raises(Unsupported):
        alarm_series(_ratio(expression), SAMPLES)


def test_percentiles_and_emf_dimension_sets() -> None:
    line = json.dumps({"_aws": {"Timestamp": 0, "CloudWatchMetrics": [
        {"Namespace": "p4lab", "Dimensions": [["service"], ["service", "function_name"]], "Metrics": [{"Name": "ProcessingTime"}]}]},
        "service": "p4lab-processor", "function_name": "f", "ProcessingTime": list(range(1, 21))})  # fmt: skip
    samples = emf_samples([line])
    assert len(samples) == 2  # each dimension set is a metric of its own
    p95 = Definition("Slow", "metric", {"Namespace": "p4lab", "MetricName": "ProcessingTime", "ExtendedStatistic": "p95",
                                        "Dimensions": [{"Name": "service", "Value": "p4lab-processor"}], "Period": 60})  # fmt: skip
    assert alarm_series(p95, samples) == {0: 19.0}


def test_composite_rules_by_name_arn_or_reference() -> None:
    template = {"Resources": {
        "Retries": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
        "Page": {"Type": "AWS::CloudWatch::CompositeAlarm", "Properties": {
            "AlarmRule": {"Fn::Sub": "ALARM(\"${Retries.Arn}\") AND NOT (OK(${Slow}) OR FALSE)"}}},
    }}  # fmt: skip
    rule = definitions(template)["Page"].properties["AlarmRule"]
    assert rule == 'ALARM("Retries") AND NOT (OK(Slow) OR FALSE)'
    assert composite_state(rule, {"Retries": ALARM, "Slow": ALARM}) == ALARM
    assert composite_state(rule, {"Retries": ALARM, "Slow": OK}) == OK
    assert composite_state("ALARM(arn:aws:cloudwatch:us-east-1:1:alarm:Retries)", {"Retries": ALARM}) == ALARM
    for broken in ("ALARM(Nope)", "ALARM(Retries) OR", "(ALARM(Retries)", "ALARM(Retries) XOR OK(Slow)"):
        with pytest.raises(Unsupported):
            composite_state(broken, {"Retries": ALARM, "Slow": OK})
