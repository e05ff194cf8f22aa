"""Copied from the pipeline: "it already parses S3 events"."""

from reference.handler.events import MalformedMessage, Upload, parse  # noqa: F401
