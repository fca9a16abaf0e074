"""One upload made into its renditions: read it, render every width and format (the image
core, thumbnails.images), put them in place of the old ones, and write the manifest the blog
reads for the photo's status. The same code for the S3 handler, the schedule's re-rendering
and `rerender_photos`; no Lambda, no Django.

- A bad image is a permanent failure: its manifest says `rejected` with the reason, and no
  rendition is left.
- The source may be replaced while we work: nothing is written (nor deleted) unless it still
  has the ETag we read, since the newer upload's own event owns the renditions then.
- Rendering again is harmless: the same source gives the same bytes under the same keys.
"""

import json
import logging

from common import observe
from thumbnails.limits import ImageRejected
from thumbnails.naming import is_rendition_name, manifest_key, rendition_key, rendition_prefix
from thumbnails.objects import ObjectMissing

logger = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"


def render_renditions(data, **options):
    """thumbnails.images.render_renditions, imported with the first photo rather than with
    this module: the blog imports this module (its admin does), and an HTTP cold start that
    rendered no photo would pay for Pillow and its format plugins (~15 ms) for nothing."""
    from thumbnails.images import render_renditions as render

    return render(data, **options)


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


def read_manifest(objects, key):
    """The manifest written for the upload `key`, or None if there is none (yet)."""
    try:
        data, _ = objects.read(manifest_key(key))
    except ObjectMissing:
        return None
    return json.loads(data)


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
