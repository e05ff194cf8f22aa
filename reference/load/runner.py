"""Run a load test: send on schedule, sample the pipeline at a fixed interval, wait for the rest.

Three kinds of threads share the run's clock (seconds since it started):

* the scheduler (the caller's thread) hands each arrival to a sender when its time comes;
* senders (a bounded pool) ask for an upload slot and POST the file, exactly as
  ``p4lab upload`` does. If all are busy an arrival leaves late; its lateness is recorded, so
  a client that could not keep the schedule is visible in the report instead of hidden;
* the sampler reads the queue's attributes, the dead-letter queue, the workers (embedded
  target: the emulator's process group) and the items of unfinished uploads.

An arrival's final time is the item's ``done_at``, written by the handler; its latency is that
minus the moment the client started sending. On the embedded target both clocks are this
machine's; on AWS the handler's clock is NTP-synchronised, good to a few milliseconds.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reference.load.record import Arrival, Samples
from reference.load.workload import Kind
from reference.targets import Target, TargetName, usable_cores

LOAD_TAG = "p4lab-load-run"  # S3 object tag on every load-test upload: its run id
OWNER_PREFIX = "load-"  # load-test uploads belong to the owner load-<run id>
NOT_FINAL = ("PENDING", "PROCESSING")


@dataclass(frozen=True)
class Plan:
    """Everything decided before the first upload."""

    run_id: str
    times: list[float]  # planned send times, seconds from the start, sorted
    kinds: list[Kind]  # one per arrival
    files: dict[str, list[bytes]]  # kind name -> a few distinct files of that kind
    duration_s: float
    sample_every_s: float
    drain_timeout_s: float
    senders: int

    @property
    def owner(self) -> str:
        return OWNER_PREFIX + self.run_id


def read_configuration(target: Target, outputs: dict[str, str]) -> dict[str, Any]:
    """How the deployed stack is configured, from the services (not from what we asked for)."""
    lam, sqs = target.client("lambda"), target.client("sqs")
    function = lam.get_function_configuration(FunctionName=outputs["FunctionName"])
    queue = sqs.get_queue_attributes(
        QueueUrl=outputs["QueueUrl"], AttributeNames=["QueueArn", "VisibilityTimeout", "RedrivePolicy"]
    )["Attributes"]
    mappings = lam.list_event_source_mappings(FunctionName=outputs["FunctionName"])["EventSourceMappings"]
    mapping = next((m for m in mappings if m.get("EventSourceArn") == queue["QueueArn"]), {})
    redrive = json.loads(queue.get("RedrivePolicy") or "{}")
    return {
        "target": target.name.value,
        "batch_size": mapping.get("BatchSize"),
        "batching_window_s": mapping.get("MaximumBatchingWindowInSeconds", 0),
        "maximum_concurrency": (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency"),
        "memory_mb": function.get("MemorySize"),
        "function_timeout_s": function.get("Timeout"),
        "architecture": (function.get("Architectures") or ["x86_64"])[0],
        "visibility_timeout_s": int(queue["VisibilityTimeout"]),
        "max_receive_count": int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
        # The emulator's workers share this machine's cores; AWS gives each its own share.
        "cores": usable_cores() if target.name is TargetName.embedded else None,
    }


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class LoadRun:
    """One run in progress: its arrivals, its samples, and the threads that fill them."""

    def __init__(self, target: Target, outputs: dict[str, str], plan: Plan) -> None:
        from reference.status import Images
        from reference.workers import WorkerWatch

        self.target, self.outputs, self.plan = target, outputs, plan
        self.images = Images(target, outputs)
        self.arrivals = [
            Arrival(index, kind.name, len(plan.files[kind.name][index % len(plan.files[kind.name])]), round(at, 4))
            for index, (at, kind) in enumerate(zip(plan.times, plan.kinds, strict=True))
        ]
        self.samples = Samples(interval_s=plan.sample_every_s)
        self.unavailable: dict[str, str] = {}
        group = target.process_group
        self.watch = WorkerWatch(group, outputs["FunctionName"]) if group is not None else None
        if self.watch is None:
            self.samples.workers = self.samples.busy_workers = self.samples.worker_rss_mb = None
            self.unavailable["workers"] = (
                f"target {target.name.value} does not expose its execution environments; "
                "see cloudwatch.ConcurrentExecutions (1-minute resolution) where available"
            )
        self.unavailable["oldest_message_age"] = (
            "SQS reports the oldest message's age only as a CloudWatch metric (ApproximateAgeOfOldestMessage); "
            "samples.oldest_unfinished_age_s is the oldest sent upload not yet DONE/FAILED, queue and processing included"
        )
        self.started_wall = 0.0
        self._started = 0.0
        self._stop = threading.Event()

    # ------------------------------------------------------------------ clocks
    def now(self) -> float:
        """Seconds since the start on the monotonic clock: what the schedule runs on."""
        return time.monotonic() - self._started

    def stamp(self) -> float:
        """Seconds since the start on the wall clock, the handler's ``done_at`` clock: what the
        record's times use, so that latencies compare one clock with itself."""
        return round(time.time() - self.started_wall, 4)

    # ------------------------------------------------------------------ sending
    def _send(self, arrival: Arrival) -> None:
        from reference.upload import create_slot, post_file

        kind = next(k for k in self.plan.kinds if k.name == arrival.kind)
        variants = self.plan.files[arrival.kind]
        data = variants[arrival.index % len(variants)]
        filename = f"load-{arrival.index:05d}{kind.suffix}"
        content_type = "application/pdf" if kind.suffix == ".pdf" else "image/jpeg"
        arrival.sent_s = self.stamp()
        try:
            slot = create_slot(self.target, self.outputs, owner=self.plan.owner, filename=filename, content_type=content_type)
            arrival.image_id = slot.image_id
            post_file(self.target, slot, data, filename, content_type)
        except Exception as error:  # recorded per upload: one refused POST must not stop the test
            arrival.state, arrival.reason = "SEND_FAILED", f"{type(error).__name__}: {error}"[:300]
            return
        arrival.posted_s = self.stamp()
        arrival.state = "PENDING"
        self._tag(slot.key)

    def _tag(self, key: str) -> None:
        """Mark the original as a load test's, for ``--clean`` (with the caller's credentials: the
        POST form's ``tagging`` field is AWS's way, but MiniStack 1.5.33 ignores it)."""
        try:
            self.target.client("s3").put_object_tagging(
                Bucket=self.outputs["IngestBucketName"], Key=key,
                Tagging={"TagSet": [{"Key": LOAD_TAG, "Value": self.plan.run_id}]},
            )  # fmt: skip
        except Exception as error:  # the upload itself went through: say so once, keep going
            self.unavailable.setdefault("tags", f"originals could not be tagged ({error}); --clean finds them by owner")

    # ------------------------------------------------------------------ sampling
    def _queue_depth(self) -> tuple[int | None, int | None, int | None]:
        sqs = self.target.client("sqs")
        try:
            main = sqs.get_queue_attributes(
                QueueUrl=self.outputs["QueueUrl"],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            dlq = sqs.get_queue_attributes(
                QueueUrl=self.outputs["DeadLetterQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
        except Exception:  # a throttled or failed read is a gap in the series, not the end of the test
            return None, None, None
        return (
            int(main["ApproximateNumberOfMessages"]),
            int(main["ApproximateNumberOfMessagesNotVisible"]),
            int(dlq["ApproximateNumberOfMessages"]),
        )

    def _update_items(self) -> None:
        waiting = {a.image_id: a for a in self.arrivals if a.state in NOT_FINAL and a.image_id}
        if not waiting:
            return
        try:
            items = self.images.get(list(waiting))
        except Exception:
            return
        for item in items:
            arrival = waiting[item["image_id"]]
            status = item.get("status", arrival.state)
            if status in ("DONE", "FAILED") and item.get("done_at"):
                arrival.final_s = round(_epoch(item["done_at"]) - self.started_wall, 4)
                arrival.latency_s = round(arrival.final_s - (arrival.sent_s or 0.0), 4)
                arrival.reason = item.get("reason")
            arrival.state = status

    def sample(self) -> None:
        """One row of every time series."""
        t = self.now()
        visible, in_flight, dlq = self._queue_depth()
        self._update_items()
        s = self.samples
        s.t.append(round(t, 3))
        s.visible.append(visible)
        s.in_flight.append(in_flight)
        s.dlq_visible.append(dlq)
        unfinished = [a.sent_s for a in self.arrivals if a.sent_s is not None and a.state in NOT_FINAL]
        s.oldest_unfinished_age_s.append(round(t - min(unfinished), 3) if unfinished else 0.0)
        if self.watch is not None:
            workers = self.watch.sample()
            s.workers.append(len(workers.pids))  # type: ignore[union-attr]
            s.busy_workers.append(workers.busy)  # type: ignore[union-attr]
            s.worker_rss_mb.append(round(workers.rss_mb, 1))  # type: ignore[union-attr]
        s.done.append(sum(a.state == "DONE" for a in self.arrivals))
        s.failed.append(sum(a.state == "FAILED" for a in self.arrivals))

    def _sampler(self, on_sample: Callable[[LoadRun], None]) -> None:
        next_at = 0.0
        while not self._stop.is_set():
            self.sample()
            on_sample(self)
            next_at += self.plan.sample_every_s
            self._stop.wait(max(0.0, next_at - self.now()))

    # ------------------------------------------------------------------ the run
    def run(self, on_sample: Callable[[LoadRun], None] = lambda run: None) -> None:
        """Send every arrival on schedule, then wait for them to finish (or the drain timeout)."""
        if self.watch is not None:
            self.watch.sample()  # a baseline: warm idle workers are not "busy" in the first sample
        self.started_wall = time.time()
        self._started = time.monotonic()
        sampler = threading.Thread(target=self._sampler, args=(on_sample,), name="load-sampler", daemon=True)
        sampler.start()
        try:
            with ThreadPoolExecutor(max_workers=self.plan.senders, thread_name_prefix="load-send") as pool:
                for arrival in self.arrivals:
                    delay = arrival.planned_s - self.now()
                    if delay > 0 and self._stop.wait(delay):
                        break
                    pool.submit(self._send, arrival)
            sent_by = self.now()
            drain_until = max(self.plan.duration_s, sent_by) + self.plan.drain_timeout_s
            while self.now() < drain_until and any(a.state in NOT_FINAL for a in self.arrivals):
                self._stop.wait(min(0.25, self.plan.sample_every_s))
        finally:
            self._stop.set()
            sampler.join()
            self.sample()  # the state at the end, after the last finish
            on_sample(self)

    def stop(self) -> None:
        self._stop.set()


def fetch_cloudwatch(run: LoadRun) -> dict[str, Any] | None:
    """Lambda's ConcurrentExecutions and SQS's queue metrics over the run (AWS only).

    One-minute resolution, and published a few minutes late: fetched after the run, and shown
    beside the sampled series, never mixed into them. None on a target that publishes neither.
    """
    if run.target.name is not TargetName.aws:
        return None
    from datetime import UTC, timedelta

    start = datetime.fromtimestamp(run.started_wall, UTC) - timedelta(minutes=1)
    end = datetime.now(UTC) + timedelta(minutes=1)
    queue_name = run.outputs["QueueUrl"].rstrip("/").rsplit("/", 1)[1]
    queries = {
        "concurrent_executions": ("AWS/Lambda", "ConcurrentExecutions", "FunctionName", run.outputs["FunctionName"]),
        "oldest_message_age_s": ("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue_name),
        "visible": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue_name),
    }
    response = run.target.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            {
                "Id": name,
                "MetricStat": {
                    "Metric": {"Namespace": ns, "MetricName": metric, "Dimensions": [{"Name": dim, "Value": value}]},
                    "Period": 60,
                    "Stat": "Maximum",
                },
            }
            for name, (ns, metric, dim, value) in queries.items()
        ],
        StartTime=start,
        EndTime=end,
        ScanBy="TimestampAscending",
    )
    series = {
        result["Id"]: {
            "t": [round(stamp.timestamp() - run.started_wall, 1) for stamp in result["Timestamps"]],
            "values": result["Values"],
        }
        for result in response["MetricDataResults"]
    }
    return {"period_s": 60, "statistic": "Maximum", "series": series,
            "note": "CloudWatch publishes these a few minutes late: rerun with a longer drain if they are empty"}  # fmt: skip
