"""`p4lab load`: arguments checked before any work, the schedule and mix it draws, and a short
open-loop run against the session's stack whose record is complete and whose uploads
`--clean` removes, leaving everybody else's."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from PIL import Image

from reference.load import clean, record, report, runner, workload
from reference.load.command import _plan
from reference.status import Images
from reference.targets import embedded_parameters
from reference.upload import upload_file


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--rate", "0"], "--rate must be more than 0"),
        (["--duration", "-1"], "--duration must be more than 0"),
        (["--mix", "photo-3mp=0.6,corrupt=0.3"], "shares must sum to 1; they sum to 0.9"),
        (["--mix", "gif=1"], "is not KIND=SHARE"),
        (["--mix", "photo-80mp=1"], "at most 50 MP"),
        (["--sample-every", "0"], "--sample-every must be more than 0"),
        (["--output", "/no/such/folder"], "is not an existing folder"),
        (["--scenario", "no-such-scenario", "--rate", "1"], "could not be read"),
        (["--scenario", "spike"], "give --rate PER_S or --scale FACTOR"),
        (["--scale", "0.1"], "--scale needs --scenario"),
        (["--rate", "1000", "--duration", "3600"], "a load test sends at most 50,000"),
    ],
)
def test_bad_arguments_exit_2_before_connecting(p4lab, arguments: list[str], message: str) -> None:
    # No emulator runs in this test: reaching the connection would fail with another message.
    result = p4lab("load", *arguments)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_poisson_schedule_is_seeded_and_the_mix_holds_its_shares() -> None:
    first = workload.poisson_times(5.0, 200.0, random.Random(7))
    assert first == workload.poisson_times(5.0, 200.0, random.Random(7))
    gaps = [b - a for a, b in zip(first, first[1:], strict=False)]
    assert 0.18 < sum(gaps) / len(gaps) < 0.22  # mean gap 1/rate
    kinds = workload.parse_mix("photo-1mp=0.7,pdf-2p=0.2,corrupt=0.1")
    drawn = workload.assign_kinds(5000, kinds, random.Random(3))
    share = {k.name: sum(d.name == k.name for d in drawn) / len(drawn) for k in kinds}
    assert share == pytest.approx({"photo-1mp": 0.7, "pdf-2p": 0.2, "corrupt": 0.1}, abs=0.03)


def test_a_scenario_shape_is_squeezed_into_the_duration() -> None:
    shape, mean_rate = workload.scenario_shape("spike")
    assert mean_rate > 50  # the preset's 10 M/day and more
    times = workload.shaped_times(shape, 4.0, 300.0, random.Random(1))
    assert 1000 < len(times) < 1400  # mean 4/s over 300 s
    step = 300.0 / len(shape)
    spike = [i for i, rate in enumerate(shape) if rate == max(shape)]
    start, end = spike[0] * step, (spike[-1] + 1) * step
    assert len(spike) == spike[-1] - spike[0] + 1  # one contiguous spike
    rate_in_spike = sum(start <= t < end for t in times) / (end - start)
    assert rate_in_spike == pytest.approx(4.0 * max(shape) / (sum(shape) / len(shape)), rel=0.3)


def test_generated_files_are_what_their_kind_says() -> None:
    photo, pdf, corrupt = workload.parse_mix("photo-0.5mp=0.5,pdf-2p=0.25,corrupt=0.25")
    with Image.open(io.BytesIO(workload.make_file(photo, 0))) as image:
        assert abs(image.width * image.height - 500_000) < 5_000
    assert workload.make_file(pdf, 0).startswith(b"%PDF")
    assert workload.make_file(corrupt, 0)[:3] == b"\xff\xd8\xff"  # looks like a JPEG; is truncated


@pytest.mark.e2e
def test_a_short_load_run_records_everything_and_clean_removes_only_its_uploads(pipeline, tmp_path: Path) -> None:
    target, outputs = pipeline.target, pipeline.outputs
    bystander = tmp_path / "bystander.jpg"
    bystander.write_bytes(workload.make_file(workload.Kind("photo-0.3mp", 1.0), 9))
    bystander_id = upload_file(target, outputs, bystander, owner="tester")

    inputs = {"kinds": workload.parse_mix("photo-1mp=0.6,pdf-2p=0.2,corrupt=0.2"), "shape": None, "rate": 3.0}
    plan = _plan(inputs, seed=4, sample_every=0.5, drain_timeout=60, senders=4, duration=4.0)
    run = runner.LoadRun(target, outputs, plan)
    run.run()
    summary = record.summarise(run.arrivals, run.samples, plan.duration_s)
    data = record.to_json(
        run_id=plan.run_id, target="embedded", stack="p4lab", started_at="now",
        configuration=runner.read_configuration(target, outputs),
        workload={"description": "test", "mix": "..."}, arrivals=run.arrivals, samples=run.samples,
        cloudwatch=None, unavailable=run.unavailable, summary=summary,
    )  # fmt: skip
    data = json.loads(json.dumps(data))  # what --json prints and the file holds

    # The configuration is read from the services: the embedded target's machine-sized values.
    expected = embedded_parameters()
    assert data["configuration"]["maximum_concurrency"] == int(expected["MaximumConcurrency"])
    assert data["configuration"]["batch_size"] == int(expected["BatchSize"])
    # Every arrival was sent, finished, and ended as its kind says.
    assert summary["unfinished"] == 0 and summary["send_failed"] == 0, summary
    for arrival in data["arrivals"]:
        assert arrival["state"] == ("FAILED" if arrival["kind"] == "corrupt" else "DONE"), arrival
        # S3 sends its event as it stores the object: a small file can be final before the
        # client has read the POST's answer, so posted_s is not ordered against final_s.
        assert arrival["planned_s"] <= arrival["sent_s"] < arrival["posted_s"]
        assert arrival["sent_s"] < arrival["final_s"]
        assert arrival["latency_s"] == pytest.approx(arrival["final_s"] - arrival["sent_s"], abs=1e-3)
    assert summary["latency_s"]["p50"] <= summary["latency_s"]["p95"] <= summary["latency_s"]["p99"]
    # Every series has one value per sample; the workers never exceed the mapping's concurrency.
    samples = data["samples"]
    assert len(samples["t"]) >= 8
    for name in ("visible", "in_flight", "dlq_visible", "oldest_unfinished_age_s", "workers", "busy_workers", "done"):
        assert len(samples[name]) == len(samples["t"]), name
    assert 1 <= max(samples["busy_workers"]) <= max(samples["workers"]) <= int(expected["MaximumConcurrency"])
    assert samples["done"][-1] == summary["done"]
    png = report.plot_timeline(data, tmp_path / "timeline.png")
    assert png.stat().st_size > 20_000

    # Tagged in S3; --clean removes the run's items, originals and variants, not the bystander's.
    s3 = target.client("s3")
    some = next(a for a in run.arrivals if a.state == "DONE")
    key = Images(target, outputs).get([some.image_id])[0]["upload_key"]
    tags = s3.get_object_tagging(Bucket=outputs["IngestBucketName"], Key=key)["TagSet"]
    assert {"Key": runner.LOAD_TAG, "Value": plan.run_id} in tags
    Images(target, outputs).wait([bystander_id], timeout_s=60)
    cleaned = clean.clean(target, outputs)
    assert plan.run_id in cleaned.runs and cleaned.items >= len(run.arrivals)
    images = Images(target, outputs)
    assert images.get([a.image_id for a in run.arrivals]) == []
    assert s3.list_objects_v2(Bucket=outputs["IngestBucketName"], Prefix=f"uploads/{plan.owner}/").get("KeyCount") == 0
    assert s3.list_objects_v2(Bucket=outputs["DeliveryBucketName"], Prefix=f"images/{some.image_id}/").get("KeyCount") == 0
    assert images.get([bystander_id])[0]["status"] == "DONE"
    assert s3.list_objects_v2(Bucket=outputs["DeliveryBucketName"], Prefix=f"images/{bystander_id}/")["KeyCount"] == 6
