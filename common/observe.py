"""Structured logs and metrics for every entry point: one line per outcome.

On Lambda each line is a JSON object that is both the log record (request id, event source,
the key, hashed subscriber or post concerned, outcome, duration) and, when it counts
something, a CloudWatch embedded-metric-format (EMF) document: CloudWatch Logs extracts the
metric from the line, so a metric costs no API call and no second line. Locally the same
record prints as readable `key=value` text.

Why not Powertools' Logger and Metrics: importing them costs 150-200 ms (measured with
`python -X importtime`), paid on every cold start, including the thumbnail path that must stay
lean. This module uses only the standard library and prints the same documents they would.
No Django here: the S3 path imports it.

Subscribers are never logged by address: `subscriber_hash` is a salted SHA-256 of the
address, the same for the same subscriber in every line (set LOG_HASH_SALT in production).
Every text value passes through `redact` too, so an error message quoting an address (SES
names the one it refused) or a link token never reaches a line."""

import contextlib
import contextvars
import hashlib
import json
import os
import sys
import time

from common.redact import redact

NAMESPACE = "Blog"
_scope = contextvars.ContextVar("observe_scope", default=None)
_collector = contextvars.ContextVar("observe_collector", default=None)
_unprinted = contextvars.ContextVar("observe_unprinted", default=None)


def json_lines():
    """JSON on Lambda (what CloudWatch parses), readable text elsewhere; LOG_FORMAT overrides."""
    chosen = os.environ.get("LOG_FORMAT", "").lower()
    if chosen in {"json", "text"}:
        return chosen == "json"
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def service():
    # The function's name carries the stage (blog-prod, blog-dev): metrics never mix stages.
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "blog-local"


def subscriber_hash(email):
    """A short, salted, stable digest of an address: follows one subscriber through the logs
    without writing the address down. Case and spaces do not change it."""
    salt = os.environ.get("LOG_HASH_SALT", "blog-subscriber")
    normalised = str(email).strip().lower()
    return hashlib.sha256(f"{salt}:{normalised}".encode()).hexdigest()[:16]


def request_id(context):
    return getattr(context, "aws_request_id", None) if context is not None else None


@contextlib.contextmanager
def scope(event_source, context=None, **fields):
    """Every line emitted inside carries `event_source`, the request id and `fields`."""
    merged = {**(_scope.get() or {}), "event_source": event_source, **fields}
    rid = request_id(context)
    if rid:
        merged["request_id"] = rid
    token = _scope.set(merged)
    try:
        yield merged
    finally:
        _scope.reset(token)


@contextlib.contextmanager
def collect():
    """Hand back every record emitted inside (replay and the local journal report them)."""
    records = []
    token = _collector.set(records)
    try:
        yield records
    finally:
        _collector.reset(token)


@contextlib.contextmanager
def unprinted(predicate):
    """Inside, a line for which `predicate(record)` is true is collected but not printed (a
    local console that would otherwise scroll with every quiet minute)."""
    token = _unprinted.set(predicate)
    try:
        yield
    finally:
        _unprinted.reset(token)


def milliseconds_since(start):
    return round((time.perf_counter() - start) * 1000)


def emit(outcome, message="", *, level="INFO", metrics=None, dimensions=None, **fields):
    """Print one outcome line. `metrics`: {name: count} or {name: (value, unit)}; each is
    published with the dimension sets [service] and, when given, [service, *dimensions]."""
    record = {
        "level": level,
        "message": message or outcome,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
        "service": service(),
        **(_scope.get() or {}),
        "outcome": outcome,
        **{k: v for k, v in fields.items() if v is not None},
        **(dimensions or {}),
    }
    for key, value in record.items():
        if isinstance(value, str):
            record[key] = redact(value)
    if metrics:
        record.update(_emf(metrics, dimensions or {}))
    collector = _collector.get()
    if collector is not None:
        collector.append(record)
    unprinted = _unprinted.get()
    if unprinted is not None and unprinted(record):
        return record
    line = json.dumps(record, default=str) if json_lines() else _text(record)
    print(line, file=sys.stdout, flush=True)
    return record


def _emf(metrics, dimensions):
    """The EMF parts of a line: `_aws` metadata and each metric's value at the root."""
    names, values = [], {}
    for name, value in metrics.items():
        value, unit = value if isinstance(value, tuple) else (value, "Count")
        names.append({"Name": name, "Unit": unit})
        values[name] = value
    dimension_sets = [["service"]]
    if dimensions:
        dimension_sets.append(["service", *dimensions])
    return {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": dimension_sets, "Metrics": names}],
        },
        **values,
    }


def _text(record):
    skip = {"timestamp", "service", "_aws", "message"}
    parts = [f"{k}={_plain(v)}" for k, v in record.items() if k not in skip and k != "level"]
    prefix = "" if record["level"] == "INFO" else record["level"] + " "
    message = record["message"]
    suffix = f" ({message})" if message and message != record["outcome"] else ""
    return prefix + " ".join(parts) + suffix


def _plain(value):
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return f'"{text}"' if " " in text else text
