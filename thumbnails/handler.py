"""The S3 handler: thin glue between an S3 event and the image core.

For each record: decode the key, act only on ObjectCreated under the upload prefix, read the
object, make the renditions, write them (immutable, a year in caches), remove renditions the
new source no longer has, and write a manifest the blog reads for the photo's status.

- A bad image is a permanent failure: its manifest says `failed` with the reason, no
  rendition is left, and the record is not retried.
- Anything else (S3 unreachable, throttled) is transient: the other records still run, then
  the invocation raises so Lambda retries it. Re-running a record is harmless: the same
  source gives the same bytes under the same keys.
"""

import json
import logging
import time
import urllib.parse

from dispatch import observe
from thumbnails.images import ImageRejected, render_renditions
from thumbnails.naming import is_upload_key, manifest_key, rendition_key, rendition_prefix
from thumbnails.objects import ObjectMissing, objects_for

logger = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"


class TransientFailure(Exception):
    """Some records failed for a reason that may pass: Lambda should retry the event."""


def handle_s3_event(event, context=None):
    """Process every record; returns {"done": [...], "skipped": [...], "rejected": [...]}."""
    outcome = {"done": [], "skipped": [], "rejected": [], "transient": []}
    with observe.scope("s3", context):
        for record in event.get("Records", []):
            _handle_record(record, outcome)
    if outcome["transient"]:
        raise TransientFailure(f"{len(outcome['transient'])} record(s) to retry: {outcome['transient']}")
    return outcome


def _handle_record(record, outcome):
    start = time.perf_counter()
    try:
        bucket, key, name = _decode(record)
    except (KeyError, TypeError, AttributeError) as exc:
        logger.error("Malformed S3 record, dropped: %r (%s)", record, exc)
        outcome["skipped"].append({"key": None, "why": "malformed record"})
        observe.emit("skipped", "malformed record", level="WARNING")
        return
    if not name.startswith("ObjectCreated:") or not is_upload_key(key):
        # Deletions, and our own renditions if a trigger were ever misconfigured to
        # cover them: nothing to do, so nothing ever loops.
        outcome["skipped"].append({"key": key, "why": f"{name} is not an upload"})
        observe.emit("skipped", f"{name} is not an upload", key=key)
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


def report(result, ms):
    """The outcome line (and metrics) for one photo's `render_object` result."""
    status, key = result["status"], result["key"]
    if status == "done":
        made = len(result["renditions"])
        observe.emit(
            "done", key=key, ms=ms, renditions=made,
            metrics={"RenditionsMade": made, "RenditionMilliseconds": (ms, "Milliseconds")},
        )  # fmt: skip
    elif status == "rejected":
        observe.emit(
            "rejected", result.get("message", ""), level="WARNING", key=key, ms=ms,
            metrics={"RenditionFailures": 1}, dimensions={"reason": result["reason"]},
        )  # fmt: skip
    else:
        observe.emit("skipped", result.get("why", ""), key=key, ms=ms)


def _decode(record):
    s3 = record["s3"]
    # S3 URL-encodes keys in events, spaces as "+".
    key = urllib.parse.unquote_plus(s3["object"]["key"])
    return s3["bucket"]["name"], key, record["eventName"]


def render_object(objects, key):
    """Make (or remake) every rendition of `key`; returns what the manifest says."""
    try:
        data, etag = objects.read(key)
    except ObjectMissing:
        return {"status": "skipped", "key": key, "why": "object no longer exists"}
    try:
        if data is None:
            raise ImageRejected("too_large", "The file is larger than the upload limit.")
        renditions = render_renditions(data)
    except ImageRejected as rejected:
        logger.warning("Rejected %s: %s (%s)", key, rejected.reason, rejected)
        _replace(objects, key, [])
        manifest = {
            "status": "rejected",
            "key": key,
            "etag": etag,
            "reason": rejected.reason,
            "message": str(rejected),
        }
        _write_manifest(objects, key, manifest)
        return manifest
    written = [
        {
            "key": rendition_key(key, r.width, r.format),
            "width": r.width,
            "height": r.height,
            "format": r.format,
        }
        for r in renditions
    ]
    if _current_etag(objects, key) != etag:
        # Overwritten while we worked: the newer upload has its own event; leave it to that.
        return {"status": "skipped", "key": key, "why": "source changed while rendering"}
    _replace(objects, key, renditions)
    manifest = {"status": "done", "key": key, "etag": etag, "renditions": written}
    _write_manifest(objects, key, manifest)
    logger.info("Rendered %s: %d rendition(s)", key, len(written))
    return manifest


def _current_etag(objects, key):
    try:
        return objects.etag(key)
    except ObjectMissing:
        return None


def _replace(objects, key, renditions):
    """Write `renditions` and delete any other rendition under the photo's prefix (a narrower
    re-upload leaves no stale wide ones)."""
    keep = set()
    for rendition in renditions:
        target = rendition_key(key, rendition.width, rendition.format)
        objects.write(target, rendition.data, rendition.content_type, IMMUTABLE)
        keep.add(target)
    keep.add(manifest_key(key))
    stale = [k for k in objects.list(rendition_prefix(key)) if k not in keep]
    if stale:
        objects.delete(stale)


def _write_manifest(objects, key, manifest):
    # Not immutable: the status changes when a photo is re-uploaded.
    objects.write(manifest_key(key), json.dumps(manifest).encode(), "application/json", "no-cache")
