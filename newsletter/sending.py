"""One post's email to one reader, at most once, within the account's send rate.

The pair is claimed before anything is sent (newsletter.claims), so a duplicated message, a
retried batch or a replay finds it sent (or in hand) and sends nothing. Only a reader still
confirmed when their turn comes gets it: unsubscribed, suppressed (bounced, complained) or
gone since the list was read means skipped. SES refusing the address for good marks the pair
rejected; anything else (throttling, an outage) releases the claim and raises, so the queue
retries the message; on its last receive it is counted failed, and lands in the
failed-records queue. Once SES has accepted the email nothing raises: failing to record the
send must not get the message retried into a second email."""

import logging
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from common import observe
from newsletter.claims import REJECTED, SENT, SKIPPED, get_claims, send_key
from welcome.addresses import mask
from welcome.store import Claim, get_store
from welcome.subscriber import CONFIRMED

logger = logging.getLogger(__name__)

# SES saying "not now" for the whole account: the rest of the batch is not tried (it would
# only be refused too), and every record goes back to the queue unclaimed.
HALTING = frozenset({
    "TooManyRequestsException", "Throttling", "ThrottlingException",
    "LimitExceededException", "SendingPausedException", "AccountSuspendedException",
})  # fmt: skip


class SendInProgress(RuntimeError):
    """Another attempt holds a fresh claim on this pair: retry once it has finished or died."""


class Throttled(RuntimeError):
    """SES refused to send anything more for now (see HALTING)."""


def halts(error):
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in HALTING


class Pacer:
    """Spaces sends `1 / rate` seconds apart in this process. In AWS at most
    NEWSLETTER_CONCURRENCY containers consume the queue (the event source mapping's maximum
    concurrency), each at NEWSLETTER_SEND_RATE / NEWSLETTER_CONCURRENCY, so together they stay
    under the account's send rate. A warm container keeps its pace between invocations."""

    def __init__(self):
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, rate):
        if rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + 1 / rate
        if start > now:
            time.sleep(start - now)


pacer = Pacer()


def container_rate():
    return settings.NEWSLETTER_SEND_RATE / max(1, settings.NEWSLETTER_CONCURRENCY)


class Tally:
    """The batch's outcomes per post, written to the newsletters' counters in one UPDATE each
    at the end: a counter is informational, so failing to write it fails no record."""

    def __init__(self):
        self.counts = defaultdict(Counter)

    def add(self, post_id, **changes):
        self.counts[post_id].update({k: v for k, v in changes.items() if v})

    def save(self):
        from newsletter.models import Newsletter

        for post_id, changes in self.counts.items():
            try:
                Newsletter.count(post_id, **changes)
            except Exception:
                logger.exception("Newsletter of post %s: counters not updated (%s)", post_id, dict(changes))
        self.counts.clear()


def deliver(message, *, content, last_attempt, tally, now=None):
    """Send post `message.post` to `message.email` unless done already; returns "sent",
    "skipped" or "rejected", or raises (SendInProgress, Throttled, or the send's error) for
    the record to be retried. `content`: the post's newsletter.content.Content, or None if
    readers can no longer see it."""
    now = now or timezone.now()
    post_id, email = message.post, message.email
    fields = {"post": post_id, "subscriber_hash": observe.subscriber_hash(email)}
    if content is None:
        _skipped("post_not_published", "the post is no longer published", **fields)
        return "skipped"
    claims = get_claims()
    key = send_key(post_id, email)
    lease = timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)
    claim, before = claims.claim(key, now=now, stale_before=now - lease)
    if claim is Claim.DONE:
        _skipped("duplicate", "sent already", **fields)
        return "skipped"
    if claim is Claim.BUSY:
        error = SendInProgress(f"Another attempt is sending post {post_id} to {mask(email)}.")
        _failed("busy", "in hand elsewhere: will be retried", error, **fields)
        raise error
    counted_failed = bool(before and before.get("gave_up"))
    try:
        subscriber = get_store().get(email)
    except BaseException as error:
        claims.release(key)
        _failed("transient", "the subscriber store failed: will be retried", error, **fields)
        raise
    if subscriber is None or subscriber.status != CONFIRMED:
        claims.finish(key, SKIPPED, now=now)
        tally.add(post_id, skipped=1, failed=-1 if counted_failed else 0)
        _skipped(
            "not_subscribed",
            f"no longer subscribed ({subscriber.status if subscriber else 'gone'})",
            **fields,
        )
        return "skipped"

    from newsletter.emails import build_newsletter_message
    from welcome.sender import PermanentSendError, get_sender

    try:
        built = build_newsletter_message(content, email)
        pacer.wait(container_rate())
        message_id = get_sender().send(built)
    except PermanentSendError as error:
        claims.finish(key, REJECTED, now=now)
        tally.add(post_id, failed=0 if counted_failed else 1)
        logger.warning("Newsletter of post %s to %s: rejected for good (%s)", post_id, mask(email), error)
        _failed("rejected", "rejected for good", error, **fields)
        return "rejected"
    except BaseException as error:
        claims.release(key, gave_up=last_attempt)
        if last_attempt and not counted_failed:
            tally.add(post_id, failed=1)
        reason = "throttled" if halts(error) else "transient"
        why = (
            "the queue's retries are spent: to the failed-records queue"
            if last_attempt
            else "will be retried"
        )
        _failed(reason, why, error, **fields)
        if halts(error):
            raise Throttled(f"SES: {error}") from error
        raise
    _record_sent(claims, key, message_id)
    tally.add(post_id, sent=1, failed=-1 if counted_failed else 0)
    observe.emit("sent", metrics={"NewsletterSent": 1}, **fields)
    return "sent"


def _record_sent(claims, key, message_id, attempts=3):
    for attempt in range(1, attempts + 1):
        try:
            claims.finish(key, SENT, now=timezone.now(), message_id=message_id)
            return
        except Exception:
            if attempt == attempts:
                logger.exception(
                    "Newsletter %s: sent (%s) but not recorded as sent; a copy of its message "
                    "handled after %s s would send it again",
                    key.rsplit("#", 1)[0],
                    message_id,
                    settings.NEWSLETTER_CLAIM_SECONDS,
                )


def _skipped(code, why, **fields):
    observe.emit("skipped", why, metrics={"NewsletterSkipped": 1}, dimensions={"reason": code}, **fields)


def _failed(code, why, error, **fields):
    observe.emit(
        "failed", why, level="ERROR" if code != "throttled" else "WARNING",
        error=f"{type(error).__name__}: {error}"[:300],
        metrics={"NewsletterFailed": 1}, dimensions={"reason": code}, **fields,
    )  # fmt: skip
