"""Where subscribers live, behind one interface: a DynamoDB table in AWS
(`welcome.dynamodb_store`), a SQLite file on the embedded defaults (`welcome.local_store`).
`settings.SUBSCRIBER_STORE` picks one, the way `STORAGES` picks a file storage.

An item is keyed by the normalised address (`email`) and records its status, when and in
which region it was written (with a global table only that region sends the welcome) and,
while pending, `expires_at`: the table's TTL attribute (epoch seconds), so never-confirmed
entries go away on their own.

Every write is optimistic: read the entry, decide here (the same code for both stores), then
write on the condition that what the decision rested on has not changed. So the same request
or stream record arriving twice, or two at once, changes nothing the second time. A backend
provides only `get`, `all`, `page` and three conditional primitives."""

import enum
import functools
import logging
import os
from dataclasses import replace

from django.conf import settings
from django.utils.module_loading import import_string

from common.events import LOCAL_REGION
from welcome.subscriber import (
    PENDING,
    STATUSES,
    SUPPRESSED,
    MalformedEntry,
    Subscriber,
    timestamp,
)

logger = logging.getLogger(__name__)

# Conditional writes lost to a concurrent writer are retried this many times before giving up.
ATTEMPTS = 5


class Claim(enum.Enum):
    """The answer to "may I send this welcome now?"."""

    CLAIMED = "claimed"  # yes: send, then finish_welcome (or release_welcome on failure)
    DONE = "done"  # no, and never: sent already, no longer pending, or gone
    BUSY = "busy"  # not yet: another attempt holds a fresh claim


def current_region():
    """The region this code runs in (read at call time): Lambda sets AWS_REGION; on the
    embedded defaults it is common.events' LOCAL_REGION."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or LOCAL_REGION


class SubscriberStore:
    """The interface both stores implement. Writes take `now`, so callers and tests agree on
    the time; reads are QuerySet-like (`get`, `all`, `search`, `counts`)."""

    # --- what a backend provides -------------------------------------------------------

    def get(self, email):
        """The entry for `email`, or None (a strongly consistent read)."""
        raise NotImplementedError

    def all(self):
        """Every entry, in no particular order."""
        raise NotImplementedError

    def page(self, cursor=None, *, limit=1000):
        """(entries, next cursor): at most `limit` entries after `cursor` (None: from the
        start), and the opaque cursor to read on from, or None after the last page. A
        newsletter's fan-out reads the list this way, one bounded page per queue message,
        whatever its size. An entry written while the pages are read may or may not appear."""
        raise NotImplementedError

    def _put_new(self, subscriber):
        """Write `subscriber` if no entry has its address; True if written."""
        raise NotImplementedError

    def _delete_if(self, email, expect):
        """Delete the entry if it exists and each `expect` attribute has that value (None:
        absent); True if deleted."""
        raise NotImplementedError

    def _update_if(self, email, *, set_, remove, expect):
        """Set and remove attributes under the same condition as `_delete_if`; the entry
        as written, or None when the condition failed."""
        raise NotImplementedError

    # --- reads ---------------------------------------------------------------------------

    @staticmethod
    def _entries(items, parse):
        """`parse` of each item, leaving out (and logging) items that are not entries, so
        one hand-written item does not break the admin's list."""
        for item in items:
            try:
                yield parse(item)
            except MalformedEntry as error:
                logger.warning("Subscriber store: an item was left out: %s", error)

    def search(self, text):
        """Entries whose address contains `text`, ignoring case, newest first."""
        needle = text.strip().lower()
        matches = [s for s in self.all() if needle in s.email.lower()]
        return sorted(matches, key=lambda s: s.created_at, reverse=True)

    def counts(self, *, now):
        """{status: number of entries} with every status present; pending entries past their
        TTL count as "expired"."""
        counts = dict.fromkeys(STATUSES, 0)
        for subscriber in self.all():
            key = subscriber.display_status(now)
            counts[key] = counts.get(key, 0) + 1
        return counts

    # --- writes --------------------------------------------------------------------------

    def add(self, subscriber, *, now, quiet_days=None):
        """Write a new pending entry unless a live or suppressed one exists (or one that
        must stay quiet: Subscriber.is_replaceable). True when an entry was written: in AWS
        the stream then carries an INSERT, which sends the email. `quiet_days` defaults to
        settings.WELCOME_CONFIRM_DAYS, a pending entry's life."""
        if quiet_days is None:
            quiet_days = settings.WELCOME_CONFIRM_DAYS
        for _ in range(ATTEMPTS):
            if self._put_new(subscriber):
                return True
            current = self.get(subscriber.email)
            if current is None:
                continue
            if not current.is_replaceable(now, quiet_days=quiet_days):
                return False
            # Delete and put rather than overwrite: an overwrite reaches the stream as a
            # MODIFY, which sends nothing; a delete and a put are a REMOVE and an INSERT.
            self._delete_if(current.email, {"status": current.status, "created_at": current.created_at})
        return False

    def claim_welcome(self, email, *, now, stale_before):
        """(Claim, entry): may the welcome for `email` be sent now? A claim older than
        `stale_before` belongs to an attempt that died, and is taken over."""
        for _ in range(ATTEMPTS):
            current = self.get(email)
            if current is None or not current.can_be_welcomed(now):
                return Claim.DONE, current
            if current.welcome_claimed_at and current.welcome_claimed_at >= timestamp(stale_before):
                return Claim.BUSY, current
            claimed = self._save(
                current,
                replace(current, welcome_claimed_at=timestamp(now)),
                expect={
                    "status": PENDING,
                    "welcome_sent_at": None,
                    "welcome_claimed_at": current.welcome_claimed_at,
                },
            )
            if claimed is not None:
                return Claim.CLAIMED, claimed
        return Claim.BUSY, self.get(email)

    def finish_welcome(self, email, *, now, message_id):
        current = self.get(email)
        if current is None:
            return None
        sent = replace(
            current, welcome_sent_at=timestamp(now), welcome_message_id=message_id, welcome_claimed_at=None
        )
        return self._save(current, sent, expect={"welcome_sent_at": None})

    def release_welcome(self, email):
        current = self.get(email)
        if current is None or current.welcome_sent_at or not current.welcome_claimed_at:
            return current
        released = replace(current, welcome_claimed_at=None)
        return self._save(current, released, expect={"welcome_sent_at": None})

    def transition(self, email, status, *, allowed_from, now, reason=None, entry=None):
        """(changed, entry): move the entry to `status` if its status is in `allowed_from`
        (and, given `entry`, if it is the entry created then); otherwise leave it as it is."""
        for _ in range(ATTEMPTS):
            current = self.get(email)
            if current is None or current.status not in allowed_from:
                return False, current
            if entry is not None and current.created_at != entry:
                return False, current
            new = current.transitioned(status, now=now, reason=reason)
            saved = self._save(
                current, new, expect={"status": current.status, "created_at": current.created_at}
            )
            if saved is not None:
                return True, saved
        return False, self.get(email)

    def suppress(self, email, *, now, reason):
        """Suppress `email` for good, creating the entry if there is none (a later subscribe
        then finds it and sends nothing)."""
        for _ in range(ATTEMPTS):
            current = self.get(email)
            if current is not None and current.status == SUPPRESSED:
                return current
            if current is None:
                new = Subscriber(
                    email=email, status=PENDING, created_at=timestamp(now), region=current_region()
                ).transitioned(SUPPRESSED, now=now, reason=reason)
                if self._put_new(new):
                    return new
                continue
            others = [s for s in STATUSES if s != SUPPRESSED]
            changed, saved = self.transition(email, SUPPRESSED, allowed_from=others, now=now, reason=reason)
            if changed:
                return saved
        return self.get(email)

    def record_soft_bounce(self, email, *, now):
        """Count a transient bounce on an existing entry; nothing else changes."""
        for _ in range(ATTEMPTS):
            current = self.get(email)
            if current is None:
                return None
            bounced = replace(
                current, soft_bounces=(current.soft_bounces or 0) + 1, last_soft_bounce_at=timestamp(now)
            )
            saved = self._save(current, bounced, expect={"soft_bounces": current.soft_bounces})
            if saved is not None:
                return saved
        return self.get(email)

    def _save(self, current, new, *, expect):
        """Write the difference between `current` and `new` if `expect` still holds."""
        old, fresh = current.to_item(), new.to_item()
        set_ = {k: v for k, v in fresh.items() if old.get(k) != v}
        remove = [k for k in old if k not in fresh]
        if not set_ and not remove:
            return new
        return self._update_if(current.email, set_=set_, remove=remove, expect=expect)


def get_store():
    """The store `settings.SUBSCRIBER_STORE` names, looked up at call time and made once per
    configuration (so its AWS client or file is reused)."""
    config = settings.SUBSCRIBER_STORE
    return _make_store(config["BACKEND"], tuple(sorted(config.get("OPTIONS", {}).items())))


@functools.cache
def _make_store(backend, options):
    return import_string(backend)(**dict(options))
