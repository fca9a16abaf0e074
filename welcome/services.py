"""Writes with side effects: subscribe, send the welcome, confirm, unsubscribe, suppress.

Views and handlers call these; they know nothing of HTTP or Lambda."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from common import observe
from welcome.addresses import mask, normalise
from welcome.store import Claim, current_region, get_store
from welcome.subscriber import (
    CONFIRMED,
    PENDING,
    REJECTED,
    UNSUBSCRIBED,
    Subscriber,
)

logger = logging.getLogger(__name__)


class WelcomeInProgress(RuntimeError):
    """Another attempt holds a fresh claim on this welcome: retry once it has gone stale."""


def subscribe(raw_address, *, now=None):
    """Store `raw_address` as a pending subscriber; returns (normalised address, created).

    Raises addresses.InvalidAddress. Subscribing again while pending or confirmed (or ever,
    once suppressed) writes nothing and so sends nothing; callers must answer the same
    either way, so nobody learns who subscribed."""
    email = normalise(raw_address)
    now = now or timezone.now()
    subscriber = Subscriber.new_pending(
        email, now=now, region=current_region(), ttl_days=settings.WELCOME_CONFIRM_DAYS
    )
    created = get_store().add(subscriber, now=now)
    logger.info("Subscribe %s: %s", mask(email), "new entry" if created else "nothing new")
    observe.emit(
        "subscribed" if created else "already_known",
        subscriber_hash=observe.subscriber_hash(email),
        metrics={"Subscriptions": 1} if created else None,
    )
    return email, created


def send_welcome(email, *, now=None):
    """Send the welcome to a pending subscriber at most once; returns "sent", "skipped" or
    "rejected".

    The claim (a conditional write) comes before the send, so a duplicated or replayed
    record finds the welcome sent or claimed and sends nothing. A transient failure releases
    the claim and raises, so the record is retried; a permanent rejection marks the entry
    rejected and returns, so the record is not. Once SES has accepted the message nothing
    raises: failing to record the send must not get the record retried into a second email.
    Left open: a crash (timeout, out of memory) between SES accepting the message and
    `finish_welcome` means a second email once the claim goes stale."""
    now = now or timezone.now()
    store = get_store()
    lease = timedelta(seconds=settings.WELCOME_CLAIM_SECONDS)
    claim, entry = store.claim_welcome(email, now=now, stale_before=now - lease)
    if claim is Claim.DONE:
        logger.info("Welcome %s: nothing to send (sent already, or no longer pending)", mask(email))
        return "skipped"
    if claim is Claim.BUSY:
        raise WelcomeInProgress(f"Another attempt is sending the welcome to {mask(email)}.")
    # Only the stream handler sends: the views import this module, and Django's mail and the
    # email templates are no part of an HTTP cold start.
    from welcome.emails import build_welcome_message
    from welcome.sender import PermanentSendError, get_sender

    try:
        message_id = get_sender().send(build_welcome_message(email, entry.created_at))
    except PermanentSendError as error:
        store.transition(email, REJECTED, allowed_from=(PENDING,), now=now, reason=str(error)[:500])
        logger.warning("Welcome %s: rejected for good (%s)", mask(email), error)
        return "rejected"
    except BaseException:
        store.release_welcome(email)
        raise
    _record_sent(store, email, message_id)
    logger.info("Welcome %s: sent (%s)", mask(email), message_id)
    return "sent"


def _record_sent(store, email, message_id, attempts=3):
    """Mark the welcome sent, trying a few times (the AWS client has retried each already).
    If it still fails the claim stays, so other attempts keep off it for the lease; after
    that a replay would send again, which the error log says."""
    for attempt in range(1, attempts + 1):
        try:
            store.finish_welcome(email, now=timezone.now(), message_id=message_id)
            return
        except Exception:
            if attempt == attempts:
                logger.exception(
                    "Welcome %s: sent (%s) but not recorded as sent; a replay of this record "
                    "after %s s would send it again",
                    mask(email),
                    message_id,
                    settings.WELCOME_CLAIM_SECONDS,
                )


def confirm(email, *, entry, now=None):
    """Confirm the pending subscription created at `entry`; returns "confirmed" (now or
    before), "inactive" (unsubscribed, suppressed or rejected since) or "missing" (expired
    and gone, or replaced by a later subscription, which only its own link confirms)."""
    changed, subscriber = get_store().transition(
        email, CONFIRMED, allowed_from=(PENDING,), now=now or timezone.now(), entry=entry
    )
    if subscriber is None or subscriber.created_at != entry:
        outcome = "missing"
    else:
        outcome = "confirmed" if changed or subscriber.status == CONFIRMED else "inactive"
    observe.emit(
        outcome,
        "confirm",
        subscriber_hash=observe.subscriber_hash(email),
        metrics={"Confirmations": 1} if changed else None,
    )
    return outcome


def unsubscribe(email, *, now=None):
    """Unsubscribe, whatever the state: nothing more is ever sent. A suppressed entry stays
    suppressed (that is stronger), and a missing one needs nothing."""
    changed, _ = get_store().transition(
        email, UNSUBSCRIBED, allowed_from=(PENDING, CONFIRMED, REJECTED), now=now or timezone.now()
    )
    observe.emit(
        "unsubscribed",
        subscriber_hash=observe.subscriber_hash(email),
        metrics={"Unsubscribes": 1} if changed else None,
    )
    return "unsubscribed"


def suppress(email, *, reason, now=None):
    """Never send to `email` again, and never let a new subscribe undo it."""
    subscriber = get_store().suppress(email, now=now or timezone.now(), reason=reason[:500])
    logger.info("Suppressed %s: %s", mask(email), reason)
    observe.emit(
        "suppressed",
        reason,
        subscriber_hash=observe.subscriber_hash(email),
        metrics={"Suppressions": 1},
        # "bounce" or "complaint": a fixed few values, fit for a dimension.
        dimensions={"reason": reason.split(":", 1)[0]},
    )
    return subscriber


def record_soft_bounce(email, *, now=None):
    return get_store().record_soft_bounce(email, now=now or timezone.now())
