"""The fan-out, one page at a time: a page message reads the next page of the subscriber store
(NEWSLETTER_PAGE_SIZE entries), queues one send per confirmed subscriber, and queues the page
after it as a message of its own. However long the list, no invocation holds more than a page,
and a page that fails is retried on its own.

Each page is claimed like a send (keyed by the post and the page's cursor): a duplicated or
replayed page message queues nothing twice, so the chain of pages never forks. A page whose
claim went stale (its invocation died) is taken over and queued again; the sends it had
already queued are then duplicates, which their own claims turn into nothing."""

import logging
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from common import observe
from newsletter import messages
from newsletter.claims import DONE, get_claims, page_key
from newsletter.queue import get_queue
from welcome.store import Claim, get_store
from welcome.subscriber import CONFIRMED, SUPPRESSED

logger = logging.getLogger(__name__)

# The first page is queued inside the transaction that publishes the post, so it may arrive
# before that commits: wait this long for the newsletter's row before failing the record.
COMMIT_WAIT_SECONDS = 5
# A page message this old whose newsletter does not exist never will: its transaction
# rolled back (the post was not published after all).
NEVER_STARTED_AFTER = timedelta(minutes=10)


class NotStartedYet(RuntimeError):
    """The newsletter's row is not there (yet): retried, until NEVER_STARTED_AFTER."""


class PageInProgress(RuntimeError):
    """Another attempt holds a fresh claim on this page."""


def _newsletter(post_id, sent_at, now):
    from newsletter.models import Newsletter

    deadline = time.monotonic() + (COMMIT_WAIT_SECONDS if now - sent_at < NEVER_STARTED_AFTER else 0)
    while True:
        newsletter = Newsletter.objects.filter(post_id=post_id).first()
        if newsletter is not None or time.monotonic() >= deadline:
            return newsletter
        time.sleep(0.25)


def fan_out(message, *, sent_at=None, now=None):
    """Queue the sends of one page of `message.post`'s newsletter; returns "queued" or
    "skipped", or raises for the record to be retried."""
    from newsletter.models import Newsletter

    now = now or timezone.now()
    sent_at = sent_at or now
    post_id = message.post
    newsletter = _newsletter(post_id, sent_at, now)
    if newsletter is None:
        if now - sent_at < NEVER_STARTED_AFTER:
            raise NotStartedYet(f"No newsletter for post {post_id} (yet).")
        observe.emit("skipped", "never started", post=post_id, metrics={"NewsletterSkipped": 1},
                     dimensions={"reason": "never_started"})  # fmt: skip
        return "skipped"
    claims = get_claims()
    key = page_key(post_id, message.cursor)
    lease = timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)
    claim, _ = claims.claim(key, now=now, stale_before=now - lease)
    if claim is Claim.DONE:
        observe.emit("skipped", "page queued already", post=post_id, metrics={"NewsletterSkipped": 1},
                     dimensions={"reason": "duplicate"})  # fmt: skip
        return "skipped"
    if claim is Claim.BUSY:
        raise PageInProgress(f"Another attempt is queueing this page of post {post_id}'s newsletter.")
    try:
        entries, cursor = get_store().page(message.cursor, limit=settings.NEWSLETTER_PAGE_SIZE)
        recipients = [entry.email for entry in entries if entry.status == CONFIRMED]
        suppressed = sum(1 for entry in entries if entry.status == SUPPRESSED)
        outgoing = [messages.send(post_id, email) for email in recipients]
        if cursor:
            outgoing.append(messages.page(post_id, cursor))
        get_queue().send(outgoing)
        Newsletter.count(
            post_id, recipients=len(recipients), suppressed=suppressed, fanned_out_at=None if cursor else now
        )
    except BaseException:
        claims.release(key)
        raise
    claims.finish(key, DONE, now=now)
    logger.info(
        "Newsletter of post %s: a page of %d entries, %d queued%s",
        post_id, len(entries), len(recipients), ", more to come" if cursor else ", the last page",
    )  # fmt: skip
    observe.emit(
        "queued", post=post_id, entries=len(entries), suppressed=suppressed, last_page=not cursor,
        metrics={"NewsletterQueued": len(recipients)},
    )  # fmt: skip
    return "queued"


def sent_time(record):
    """When SQS first took the message (its SentTimestamp), as an aware datetime."""
    try:
        millis = int(record.get("attributes", {}).get("SentTimestamp"))
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(millis / 1000, UTC)
