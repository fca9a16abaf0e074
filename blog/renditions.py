"""The blog's side of the thumbnails: naming rendition URLs, reading the handler's manifest
into the photo's status, and, on the embedded defaults, delivering the S3 event AWS would
send so the same handler makes the renditions on disk.

In AWS the upload's S3 notification runs the handler; the schedule (`blog.tasks`) and the
admin pick the outcome up from the manifest the handler writes beside the renditions."""

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from blog.models import Photo
from blog.purge import purge_after_commit
from common import events
from thumbnails.naming import is_upload_key, manifest_key, rendition_prefix
from thumbnails.objects import LOCAL_BUCKET
from thumbnails.rendering import own_renditions, read_manifest, render_object, report

logger = logging.getLogger(__name__)


def refresh_renditions(photo):
    """Bring the photo's status in line with its manifest. Returns True if it changed."""
    name = photo.image.name
    if not name or not is_upload_key(name):
        return False
    try:
        manifest = _manifest(name)
    except Exception:
        logger.exception("Could not read the rendition manifest of %s", name)
        return False
    if manifest is None:
        return False  # not made yet: still pending
    if manifest.get("key") != name:
        return False  # another upload's manifest (a stem clash): never show its renditions
    if manifest.get("status") == "done":
        status, reason = Photo.Renditions.READY, ""
        renditions = [
            {"width": r["width"], "height": r["height"], "format": r["format"]}
            for r in manifest["renditions"]
        ]
    else:
        status, reason, renditions = Photo.Renditions.FAILED, _reason(manifest), []
    if (photo.renditions_status, photo.renditions_reason, photo.renditions) == (status, reason, renditions):
        return False
    photo.renditions_status, photo.renditions_reason, photo.renditions = status, reason, renditions
    fields = ["renditions_status", "renditions_reason", "renditions"]
    if renditions and photo.width and photo.height:
        # Django measured the stored file, which a phone may keep sideways (EXIF orientation);
        # the renditions are upright: record the photo the way readers see it.
        widest = max(renditions, key=lambda r: r["width"])
        if (widest["width"] > widest["height"]) != (photo.width > photo.height):
            photo.width, photo.height = photo.height, photo.width
            fields += ["width", "height"]
    photo.save(update_fields=fields)
    return True


def _reason(manifest):
    reason = manifest.get("reason", "unknown")
    message = manifest.get("message", "")
    return f"{reason}: {message}"[:200] if message else reason


def refresh_pending(photos=None, limit=200):
    """Refresh the photos still waiting for renditions (the schedule calls this each minute)."""
    photos = photos if photos is not None else Photo.objects.pending()
    return sum(refresh_renditions(photo) for photo in photos[:limit])


def redrive_stuck(now=None, *, limit=3):
    """Render, here and now, photos that have waited too long with no manifest: their S3
    event was lost, or Lambda gave up on it, or a server was killed while rendering.

    A photo is due once it has waited PHOTO_REDRIVE_MINUTES, then twice as long after each
    attempt (5, 10, 20, 40, 80 minutes), so an S3 outage costs a few tries, not one a
    minute. The attempt is counted before rendering, so a rendering that kills the process
    still counts; after PHOTO_REDRIVE_ATTEMPTS the photo is marked failed with the reason.
    Rendering is idempotent (the same source gives the same renditions), so a late S3 event
    arriving as well does no harm. Returns what happened to each photo tried."""
    from django.db.models import F
    from django.utils import timezone

    now = now or timezone.now()
    first_wait = timedelta(minutes=settings.PHOTO_REDRIVE_MINUTES)
    outcomes = []
    for photo in Photo.objects.waiting_since(now - first_wait)[:50]:
        if len(outcomes) >= limit:
            break
        if photo.pending_since > now - first_wait * 2**photo.render_attempts:
            continue  # tried recently: wait for the next, longer interval
        if refresh_renditions(photo):
            continue  # its manifest had come after all
        if photo.render_attempts >= settings.PHOTO_REDRIVE_ATTEMPTS:
            _give_up(photo)
            outcomes.append({"photo": photo.pk, "outcome": "gave_up"})
            continue
        Photo.objects.filter(pk=photo.pk).update(render_attempts=F("render_attempts") + 1)
        photo.render_attempts += 1
        try:
            result = rerender(photo)
        except Exception as error:
            logger.exception("Rendering photo %s again failed (attempt %d)", photo.pk, photo.render_attempts)
            outcomes.append(
                {"photo": photo.pk, "outcome": "failed", "error": f"{type(error).__name__}: {error}"}
            )
            continue
        outcomes.append({"photo": photo.pk, "outcome": result["status"]})
    return outcomes


def _give_up(photo):
    reason = f"gave_up: no renditions after {photo.render_attempts} attempts; use rerender_photos once fixed"
    Photo.objects.filter(pk=photo.pk, renditions_status=Photo.Renditions.PENDING).update(
        renditions_status=Photo.Renditions.FAILED, renditions_reason=reason[:200]
    )
    logger.error("Photo %s: %s", photo.pk, reason)


def deliver_upload_event(key, event_name="ObjectCreated:Put"):
    """On the embedded defaults: the S3 notification AWS would send for the stored upload
    `key`, built in AWS's shape and delivered (common.events) to the same handler. In AWS,
    S3 sends it, and this does nothing."""
    if settings.MEDIA_BUCKET:
        return None
    path = Path(settings.MEDIA_ROOT) / key
    event = events.s3_object_created_event(LOCAL_BUCKET, key, path.stat().st_size if path.is_file() else 0)
    event["Records"][0]["eventName"] = event_name
    return events.deliver_locally(event)


def deliver_upload_locally(photo):
    """Deliver the photo's upload event now (the embedded defaults), then read the outcome."""
    if not photo.image:
        return None
    outcome = deliver_upload_event(photo.image.name)
    refresh_renditions(photo)
    return outcome


def settle_new_upload(photo):
    """After a photo is saved with a new upload: its S3 event has usually run already (in AWS
    as soon as the object landed; locally from the upload endpoint), so read its manifest.
    Locally, a file stored by code rather than through the endpoint has had no event yet:
    deliver it now. In AWS a photo still pending is left to the schedule and the admin."""
    refresh_renditions(photo)
    if photo.renditions_status == Photo.Renditions.PENDING:
        deliver_upload_locally(photo)


def rerender(photo):
    """Make the photo's renditions again now (after a change of sizes, or to repair one), by
    the handler's own code, then refresh its status. Returns the manifest's outcome; raises
    what the handler would have retried (S3 unreachable)."""
    import time

    from common import observe

    name = photo.image.name
    if not name or not is_upload_key(name):
        return {"status": "skipped", "key": name, "why": "no upload to render from"}
    start = time.perf_counter()
    with observe.scope("rerender", photo=photo.pk):
        result = render_object(media_objects(), name)
        report(result, observe.milliseconds_since(start))
    refresh_renditions(photo)
    return result


def discard_upload(name, invalidate=True):
    """Delete an upload that no photo uses any more: the source (it may carry GPS), its
    renditions and its manifest, then invalidate the renditions on CloudFront, where they are
    cached for a year (not for an upload no page ever showed: `invalidate=False`). Called
    after the deleting transaction commits; a failure is logged, never raised (the photo is
    gone either way; `rerender_photos` and S3 tools can finish). Returns the storage names
    deleted."""

    if not name or not is_upload_key(name) or Photo.objects.filter(image=name).exists():
        return []
    keys = [name]
    try:
        objects, manifest = media_objects(), _manifest(name)
        # Two uploads whose names differ only in their extension share a folder: only the
        # upload its manifest names owns the renditions there.
        if manifest is None or manifest.get("key") == name:
            keys += [*own_renditions(objects, name), manifest_key(name)]
        objects.delete(keys)
    except Exception:
        logger.exception("Could not delete every file of the deleted upload %s", name)
        keys = []
    if invalidate:
        purge_after_commit({f"/{rendition_prefix(name)}*"})
    if keys:
        logger.info("Deleted upload %s and %d file(s) of its renditions", name, len(keys) - 1)
    return keys


def _manifest(name):
    """The handler's manifest for the upload `name`, or None if there is none yet."""
    return read_manifest(media_objects(), name)


def media_objects():
    """The media storage as the thumbnail handler reads and writes it."""
    from thumbnails.objects import LocalObjects, objects_for

    return objects_for(settings.MEDIA_BUCKET) if settings.MEDIA_BUCKET else LocalObjects(settings.MEDIA_ROOT)
