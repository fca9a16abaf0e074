"""The S3 handler: glue between an S3 event and thumbnails.rendering.

For each record: decode the key, act only on ObjectCreated under the upload prefix, and have
the upload rendered (thumbnails.rendering: renditions, manifest, the checks that keep a late
event from undoing a newer upload). A malformed record is skipped for good, and so is a bad
image (its manifest says why). Anything else (S3 unreachable, throttled) is transient: the
other records still run, then the invocation raises so Lambda retries it.
"""

import logging
import re
import time
import urllib.parse

from common import observe
from thumbnails.naming import MAX_KEY_BYTES, is_upload_key, renditions_fit
from thumbnails.objects import objects_for
from thumbnails.rendering import render_object, report

logger = logging.getLogger(__name__)

# S3's own rule for bucket names is stricter; this is what boto3 would refuse before sending.
_BUCKET = re.compile(r"[A-Za-z0-9._-]{1,255}")


class MalformedRecord(ValueError):
    """A record without the parts an S3 notification has: retrying it cannot help."""


class TransientFailure(Exception):
    """Some records failed for a reason that may pass: Lambda should retry the event."""


def handle_s3_event(event, context=None):
    """Process every record; returns {"done": [...], "skipped": [...], "rejected": [...]}."""
    outcome = {"done": [], "skipped": [], "rejected": [], "transient": []}
    with observe.scope("s3", context):
        records = event.get("Records") if isinstance(event, dict) else None
        if not isinstance(records, list):
            _malformed(
                outcome, event, MalformedRecord(f"`Records` is a {type(records).__name__}, not a list")
            )
            records = []
        for record in records:
            _handle_record(record, outcome)
    if outcome["transient"]:
        raise TransientFailure(f"{len(outcome['transient'])} record(s) to retry: {outcome['transient']}")
    return outcome


def _handle_record(record, outcome):
    start = time.perf_counter()
    try:
        bucket, key, name = _decode(record)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        _malformed(outcome, record, exc)
        return
    if not name.startswith("ObjectCreated:") or not is_upload_key(key):
        # Deletions, and our own renditions if a trigger were ever misconfigured to
        # cover them: nothing to do, so nothing ever loops.
        outcome["skipped"].append({"key": key, "why": f"{name} is not an upload"})
        observe.emit("skipped", f"{name} is not an upload", key=key)
        return
    if not renditions_fit(key):
        why = f"the key is too long: its renditions' keys would pass S3's {MAX_KEY_BYTES:,}-byte limit"
        logger.error("Skipped %s: %s", key[:200], why)
        outcome["skipped"].append({"key": key, "why": why})
        observe.emit(
            "skipped", why, level="ERROR", key=key[:200],
            metrics={"RenditionFailures": 1}, dimensions={"reason": "key_too_long"},
        )  # fmt: skip
        return
    try:
        result = render_object(objects_for(bucket), key)
    except Exception as exc:  # one record's trouble never stops the others
        logger.exception("Transient failure for %s; the event will be retried", key)
        error = f"{type(exc).__name__}: {exc}"
        outcome["transient"].append({"key": key, "error": error})
        observe.emit(
            "failed", "will be retried", level="ERROR", key=key, error=error,
            metrics={"RenditionFailures": 1}, dimensions={"reason": "transient"},
        )  # fmt: skip
        return
    outcome[result["status"]].append(result)
    report(result, observe.milliseconds_since(start))


def _malformed(outcome, what, exc):
    """Skip `what` (a record, or the whole event) for good, saying why."""
    exc = f"no {exc.args[0]!r}" if isinstance(exc, KeyError) else exc
    logger.error("Malformed S3 record, dropped: %r (%s)", what, exc)
    outcome["skipped"].append({"key": None, "why": f"malformed record: {exc}"})
    observe.emit("skipped", f"malformed record: {exc}", level="WARNING")


def _decode(record):
    """(bucket, key, event name) of an S3 record; KeyError, TypeError or MalformedRecord if
    one is missing or of the wrong type (sent by hand, or by a broken test tool)."""
    s3 = record["s3"]
    bucket, key, name = s3["bucket"]["name"], s3["object"]["key"], record["eventName"]
    for field, value in (("eventName", name), ("bucket name", bucket), ("object key", key)):
        if not isinstance(value, str):
            raise MalformedRecord(f"the {field} is {type(value).__name__}, not a string")
    if not _BUCKET.fullmatch(bucket):
        raise MalformedRecord(f"{bucket!r} is not a bucket name")
    # S3 URL-encodes keys in events, spaces as "+".
    return bucket, urllib.parse.unquote_plus(key), name
