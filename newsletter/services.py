"""Starting a post's newsletter, once per post ever.

Called (through newsletter.receivers) inside the transaction that makes the post visible:
the newsletter's row is the claim (the post is its primary key, so a second start for the
post is refused by the database, whichever schedule run or editor gets there second), and the
first page of the fan-out goes on the queue in the same transaction. If the queue will not
take it, the publishing rolls back with a message (blog.publishing.PublishingFailed): a post
is never live with its promised email silently lost. The page may reach the function before
the commit; the fan-out waits for the row (newsletter.fanout)."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from blog.publishing import PublishingFailed
from common import observe
from newsletter import messages
from newsletter.queue import get_queue, is_local

logger = logging.getLogger(__name__)


def start_newsletter(post, *, now=None):
    """Start `post`'s newsletter if the editor left "Email this post to subscribers" ticked and
    it has none yet; returns the Newsletter, or None when nothing was started."""
    from newsletter.models import Newsletter

    if not post.email_subscribers:
        logger.info("Post %s went live without its newsletter (unticked)", post.pk)
        return None
    now = now or timezone.now()
    if Newsletter.objects.filter(post=post).exists():
        logger.info("Post %s went live again: its newsletter started before, nothing more is sent", post.pk)
        return None
    try:
        with transaction.atomic():
            newsletter = Newsletter.objects.create(post=post, started_at=now)
    except IntegrityError:
        logger.info("Post %s: another run started its newsletter first", post.pk)
        return None
    queue = get_queue()
    try:
        queue.send([messages.page(post.pk)])
    except Exception as error:
        logger.exception("Post %s: its newsletter could not be queued", post.pk)
        raise PublishingFailed(
            f"its newsletter could not be queued ({type(error).__name__}), so it stays unpublished. "
            "Try again in a minute."
        ) from error
    observe.emit("started", "newsletter queued", post=post.pk, metrics={"NewslettersStarted": 1})
    if is_local(queue):
        # The embedded defaults' stand-in for Lambda's poller: once the publishing commits.
        from newsletter.local import drain

        # robust: a local hiccup is logged, never turned into an error for the editor once
        # the post is live (the next minute's tick delivers what is left).
        transaction.on_commit(drain, robust=True)
    return newsletter
