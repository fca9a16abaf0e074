"""Scheduled work, run by the `rate(1 minute)` schedule in zappa_settings.json."""

import functools
import logging
import time

from django.db import transaction
from django.db.models import F, Q

from blog.models import Post
from blog.paths import post_paths
from blog.publishing import post_published
from blog.purge import purge_after_commit
from blog.renditions import redrive_stuck, refresh_pending
from blog.uploads import delete_orphan_uploads as delete
from common import observe

logger = logging.getLogger(__name__)


def scheduled(function):
    """One outcome line per run: which task, what it did, how long it took; a failure is
    logged and re-raised (Lambda counts the error and the next minute's run tries again)."""

    @functools.wraps(function)
    def run(event=None, context=None):
        start = time.perf_counter()
        with observe.scope("schedule", context, task=function.__name__):
            try:
                result = function(event, context)
            except Exception as error:
                observe.emit(
                    "failed", f"{type(error).__name__}: {error}"[:300], level="ERROR",
                    ms=observe.milliseconds_since(start),
                )  # fmt: skip
                raise
            observe.emit("done", ms=observe.milliseconds_since(start), **result)
        return result

    return run


@scheduled
def publish_due_posts(event=None, context=None):
    """Scheduled posts whose time has come go live for readers: one CloudFront invalidation
    covers every page that now shows them, and each is announced to the rest of the platform
    (`blog.publishing.post_published`: the newsletter). A post is announced once per publish
    time, so a repeated, overlapping or late schedule run does no harm."""
    with transaction.atomic():
        due = list(
            Post.objects.published()
            .filter(Q(announced_at__isnull=True) | ~Q(announced_at=F("publish_at")))
            .select_for_update(of=("self",))
            .select_related("author")
            .prefetch_related("tags", "old_slugs")
        )
        for post in due:
            observe.emit("announced", post=post.slug)
            # Inside the transaction: a receiver that fails (the newsletter's queue down) rolls
            # the announcement back, and the next minute's run tries again.
            post_published.send(sender=Post, post=post)
            purge_after_commit(
                post_paths(
                    post.slug,
                    post.author.username,
                    [t.slug for t in post.tags.all()],
                    [old.slug for old in post.old_slugs.all()],
                )
            )
        Post.objects.filter(pk__in=[post.pk for post in due]).update(announced_at=F("publish_at"))
    if due:
        logger.info("Announced %d post(s) that became due: %s", len(due), [post.slug for post in due])
    return {"announced": [post.slug for post in due]}


@scheduled
def refresh_photo_renditions(event=None, context=None):
    """Pick up what the thumbnails handler reported for photos still pending (in AWS the
    renditions are made in the background; the admin also looks when it lists photos), then
    render again, here, photos that waited too long with no manifest at all."""
    return {"refreshed": refresh_pending(), "rendered_again": redrive_stuck()}


@scheduled
def delete_orphan_uploads(event=None, context=None):
    """Delete uploads no photo took (the editor closed the tab, or the file was refused)
    once they are a day old, with the renditions their S3 event made. Hourly in AWS;
    locally the upload endpoint runs it (at most hourly), or `manage.py delete_orphan_uploads`."""
    deleted = delete()
    if deleted:
        logger.info("Deleted %d orphan upload(s): %s", len(deleted), deleted[:20])
    return {"deleted": len(deleted)}
