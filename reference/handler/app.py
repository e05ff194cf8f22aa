"""Lambda entry point: an SQS batch of S3 upload events -> variants in S3 + an item in DynamoDB.

For each record of the batch (Powertools' ``BatchProcessor`` runs them and builds the
partial-failure response):

1. ``events.parse`` turns the message into work: an upload, a PDF page range, or nothing
   (S3's test event).
2. An upload is processed once per object version (Powertools idempotency): download,
   ``engine.process``, write the variants under deterministic keys, mark the item DONE.
   A long PDF is instead split into page-range tasks sent back to the queue.
3. A rejection by the engine (not an image, a bomb, an encrypted PDF...) is final: the item
   is marked FAILED with the reason and the record *succeeds*, so SQS does not retry it.
   Anything else (throttling, a timeout, a bug) fails the record; only that record returns
   to the queue, and after ``maxReceiveCount`` deliveries it moves to the dead-letter queue.

Limitations: a record that keeps failing for a reason we did not foresee costs
``maxReceiveCount`` invocations before it lands in the DLQ; the DLQ alarm reports it.

Cold start (INIT): everything at module level runs once per execution environment, and Lambda
bills it. Only what every record needs is created here; what only some records need (the SQS
client for a long PDF's fan-out, PDFium inside the engine) is loaded when first needed.
"""

from __future__ import annotations

import functools
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from reference.handler import engine, events, faults, keys
from reference.handler.store import ImageStore

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)

# Clients are created once per execution environment and reused by warm invocations. Short
# timeouts (botocore's default read timeout is 60 s) make a hung call fail fast: the record
# is retried instead of holding the invocation until the function timeout.
client_config = Config(connect_timeout=3, read_timeout=15, retries={"mode": "standard", "max_attempts": 4})
s3 = boto3.client("s3", config=client_config)
dynamodb = boto3.resource("dynamodb", config=client_config)
store = ImageStore(dynamodb.Table(os.environ["TABLE_NAME"]))
DELIVERY_BUCKET = os.environ["DELIVERY_BUCKET"]
QUEUE_URL = os.environ["QUEUE_URL"]
settings = engine.EngineSettings()
# Six variants are six PUTs: in parallel they cost one round trip of Lambda time, not six.
uploads_pool = ThreadPoolExecutor(max_workers=8)

idempotency = IdempotencyConfig(
    # One processing per object version: a duplicate S3 event or SQS redelivery is skipped.
    event_key_jmespath="[bucket, key, version_id]",
    expires_after_seconds=24 * 3600,
)
# A plain client from the default session, whose loader already holds botocore's endpoint and
# DynamoDB models; Powertools' own default (a new session) would load them again, ~60 ms of every
# cold start. Not ``dynamodb.meta.client``: a resource's client re-serialises the low-level
# attribute values Powertools writes.
persistence = DynamoDBPersistenceLayer(
    table_name=os.environ["IDEMPOTENCY_TABLE"], boto3_client=boto3.client("dynamodb", config=client_config)
)


@functools.cache
def _sqs() -> Any:
    """The SQS client, created on the first fan-out: only long PDFs send messages."""
    return boto3.client("sqs", config=client_config)


def _download(bucket: str, key: str, version_id: str | None) -> bytes:
    faults.before("s3")
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    return s3.get_object(**request)["Body"].read()


def _put_variants(image_id: str, variants: list[engine.Variant]) -> list[dict]:
    """Write variants in parallel; returns their descriptions (with S3 keys) for the item."""

    def put(variant: engine.Variant) -> dict:
        key = keys.variant_key(image_id, variant.filename)
        s3.put_object(
            Bucket=DELIVERY_BUCKET,
            Key=key,
            Body=variant.data,
            ContentType=variant.content_type,
            # Keys never change meaning (a retry writes the same bytes), so caches may keep them.
            CacheControl="public, max-age=31536000, immutable",
        )
        return {**variant.describe(), "key": key}

    return list(uploads_pool.map(put, variants))


@idempotent_function(data_keyword_argument="upload", config=idempotency, persistence_store=persistence)
def process_upload(upload: dict) -> dict:
    """Process one uploaded object version; the returned summary is what idempotency caches."""
    work = events.Upload(**upload)
    try:
        owner_key = keys.parse_upload_key(work.key)
    except ValueError as error:
        # Not created by our upload API (e.g. a manual `aws s3 cp`): no item to record it
        # on, and retrying cannot help. Logged and counted for the operator.
        logger.error("ignoring upload outside the key layout", extra={"key": work.key, "error": str(error)})
        metrics.add_metric(name="UploadsIgnored", unit=MetricUnit.Count, value=1)
        return {"status": "IGNORED"}
    with logger.append_context_keys(image_id=owner_key.image_id, key=work.key):
        return _process(work, owner_key)


def _process(work: events.Upload, owner_key: keys.UploadKey) -> dict:
    """Validate, render and record one upload: FAILED for a rejection, DONE otherwise."""
    started = time.perf_counter()
    try:
        engine.check_bytes(work.size, settings)  # from the event: refuse before downloading
        data = _download(work.bucket, work.key, work.version_id)
        if engine.detect_format(data) == "pdf":
            pages = engine.pdf_page_count(data, settings)
            if pages > settings.pdf_pages_per_invocation:
                return _fan_out(work, owner_key, pages)
        result = engine.process(data, settings)
    except engine.Rejected as rejection:
        logger.warning("upload rejected", extra={"reason": rejection.reason, "detail": rejection.message})
        metrics.add_metric(name="UploadsRejected", unit=MetricUnit.Count, value=1)
        store.mark_failed(owner_key, work.key, work.event_time, rejection.reason, rejection.message)
        return {"status": "FAILED", "reason": rejection.reason}

    variants = _put_variants(owner_key.image_id, result.variants)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    # The item keeps the variant list (with S3 keys) at the top level, where queries and the
    # PDF page counter use it; the rest of the engine's metadata is nested under `metadata`.
    metadata = {name: value for name, value in result.metadata.items() if name != "variants"}
    faults.before("dynamodb")
    store.mark_done(
        owner_key,
        work.key,
        work.event_time,
        {"kind": result.kind, "metadata": metadata, "variants": variants, "bytes": work.size, "processing_ms": elapsed_ms},
    )
    metrics.add_metric(name="UploadsProcessed", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ProcessingTime", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    metrics.add_metric(name="VariantBytes", unit=MetricUnit.Bytes, value=sum(v["bytes"] for v in variants))
    logger.info("upload processed", extra={"variants": len(variants), "processing_ms": elapsed_ms})
    return {"status": "DONE", "variants": len(variants)}


def _fan_out(work: events.Upload, owner_key: keys.UploadKey, pages: int) -> dict:
    """Queue one task per page range so no invocation renders more than its share of pages."""
    ranges = engine.page_ranges(pages, settings.pdf_pages_per_invocation)
    if not store.start_document(owner_key, work.key, work.event_time, pages, {"kind": "pdf", "bytes": work.size}):
        logger.info("pdf already finished: a retried fan-out has nothing to queue", extra={"pages": pages})
        return {"status": "DONE", "ranges": 0}
    tasks = [
        events.PageRange(work.bucket, work.key, work.version_id, owner_key.image_id, first, last)
        for first, last in ranges
    ]
    # One SendMessage per range (a document has a few dozen at most). If one fails, the
    # exception retries the whole upload: ranges already queued are rendered twice at worst
    # and counted once (see ImageStore.complete_page_range). SendMessageBatch would save
    # requests, but MiniStack 1.5.33 authorises it as an IAM action AWS does not have.
    for task in tasks:
        _sqs().send_message(QueueUrl=QUEUE_URL, MessageBody=events.page_range_task(task))
    metrics.add_metric(name="PdfFanOuts", unit=MetricUnit.Count, value=1)
    logger.info("pdf split into page ranges", extra={"pages": pages, "ranges": len(ranges)})
    return {"status": "PROCESSING", "ranges": len(ranges)}


def process_page_range(work: events.PageRange) -> None:
    """Render one page range of a long PDF and count it on the document's item."""
    started = time.perf_counter()
    with logger.append_context_keys(image_id=work.image_id, pages=f"{work.first}-{work.last}"):
        data = _download(work.bucket, work.key, work.version_id)
        result = engine.render_pdf_pages(data, work.first, work.last, settings)
        variants = _put_variants(work.image_id, result.variants)
        faults.before("dynamodb")
        finished = store.complete_page_range(work.image_id, work.first, work.last, variants)
        metrics.add_metric(name="PdfPagesRendered", unit=MetricUnit.Count, value=work.last - work.first + 1)
        logger.info(
            "page range rendered",
            extra={"processing_ms": round((time.perf_counter() - started) * 1000), "document_done": finished},
        )


def record_handler(record: SQSRecord) -> None:
    """One SQS message. Raising marks only this record as failed (returned to the queue)."""
    try:
        work_items = events.parse(record.body)
    except events.MalformedMessage as error:
        # Not retryable: deleting it is the only way it stops. Logged for the operator.
        logger.error("dropping malformed message", extra={"message_id": record.message_id, "error": str(error)})
        metrics.add_metric(name="MalformedMessages", unit=MetricUnit.Count, value=1)
        return
    try:
        for work in work_items:
            if isinstance(work, events.PageRange):
                process_page_range(work)
            else:
                process_upload(upload=work.__dict__)
    except Exception:
        # Retryable by design: log why, then let the batch processor return it to the queue.
        logger.exception("record failed; it returns to the queue", extra={"message_id": record.message_id})
        metrics.add_metric(name="RecordsRetried", unit=MetricUnit.Count, value=1)
        raise


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # In-progress idempotency records expire with this invocation's remaining time, so a
    # killed invocation does not block the retry of its records.
    idempotency.register_lambda_context(context)
    metrics.add_metric(name="RecordsReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
