"""The S3 handler: thin glue between an S3 event and the image core.

For each record: decode the key, act only on ObjectCreated under the upload prefix, read the
object, make the renditions, write them (immutable, a year in caches), remove renditions the
new source no longer has, and write a manifest the blog reads for the photo's status.

- A bad image is a permanent failure: its manifest says `rejected` with the reason, no
  rendition is left, and the record is not retried. So is a malformed record: it is skipped.
- The source may be replaced while we work: nothing is written (nor deleted) unless it still
  has the ETag we read, since the newer upload's own event owns the renditions then.
- Anything else (S3 unreachable, throttled) is transient: the other records still run, then
  the invocation raises so Lambda retries it. Re-running a record is harmless: the same
  source gives the same bytes under the same keys.
"""

import json
import logging
import re
import time
import urllib.parse

from common import observe
from thumbnails.images import ImageRejected, render_renditions
from thumbnails.naming import (
    MAX_KEY_BYTES,
    is_rendition_name,
    is_upload_key,
    manifest_key,
    rendition_key,
    rendition_prefix,
    renditions_fit,
)
from thumbnails.objects import ObjectMissing, objects_for

logger = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"
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
        manifest = {
            "status": "rejected",
            "key": key,
            "etag": etag,
            "reason": rejected.reason,
            "message": str(rejected),
        }
        result = _publish(objects, key, [], manifest)
        if result is manifest:
            logger.warning("Rejected %s: %s (%s)", key, rejected.reason, rejected)
        return result
    written = [
        {
            "key": rendition_key(key, r.width, r.format),
            "width": r.width,
            "height": r.height,
            "format": r.format,
        }
        for r in renditions
    ]
    manifest = {"status": "done", "key": key, "etag": etag, "renditions": written}
    result = _publish(objects, key, renditions, manifest)
    if result is manifest:
        logger.info("Rendered %s: %d rendition(s)", key, len(written))
    return result


def _publish(objects, key, renditions, manifest):
    """Put `renditions` and `manifest` in place of the photo's old ones; returns `manifest`,
    or what to report instead if the source changed since we read it.

    Then the newer upload has its own event, which may already have run: our (older) writes
    and deletions would destroy its renditions and its manifest. So the ETag is checked before
    touching anything, and again just before the manifest, which says what the blog shows.
    """
    changed = {"status": "skipped", "key": key, "why": "source changed while rendering"}
    if _current_etag(objects, key) != manifest["etag"]:
        return changed
    _replace(objects, key, renditions)
    if _current_etag(objects, key) != manifest["etag"]:
        return changed
    _write_manifest(objects, key, manifest)
    return manifest


def _current_etag(objects, key):
    try:
        return objects.etag(key)
    except ObjectMissing:
        return None


def own_renditions(objects, key):
    """The keys of the rendition files `key` has in `objects` (the manifest aside).

    Only the `<width>.<ext>` files directly in the photo's folder are its own: the folder of
    `uploads/trip.jpg` holds those of `uploads/trip/beach.jpg` too, in `trip/beach/`.
    """
    prefix = rendition_prefix(key)
    return [k for k in objects.list(prefix) if is_rendition_name(k.removeprefix(prefix))]


def _replace(objects, key, renditions):
    """Write `renditions` and delete the photo's other renditions (a narrower re-upload leaves
    no stale wide ones)."""
    keep = set()
    for rendition in renditions:
        target = rendition_key(key, rendition.width, rendition.format)
        objects.write(target, rendition.data, rendition.content_type, IMMUTABLE)
        keep.add(target)
    stale = [k for k in own_renditions(objects, key) if k not in keep]
    if stale:
        objects.delete(stale)


def _write_manifest(objects, key, manifest):
    # Not immutable: the status changes when a photo is re-uploaded.
    objects.write(manifest_key(key), json.dumps(manifest).encode(), "application/json", "no-cache")
