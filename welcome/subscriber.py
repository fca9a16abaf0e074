"""One subscriber entry as plain data: what both stores hold, and the rules about it that do
not depend on where it is stored."""

from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, timedelta
from decimal import Decimal

PENDING = "pending"
CONFIRMED = "confirmed"
UNSUBSCRIBED = "unsubscribed"
# SES reported a permanent bounce or a complaint: never sent to again, even on a new subscribe.
SUPPRESSED = "suppressed"
# SES refused the welcome for this address: not retried, but a new subscribe may try again.
REJECTED = "rejected"
STATUSES = (PENDING, CONFIRMED, UNSUBSCRIBED, SUPPRESSED, REJECTED)
# Shown in the admin for pending entries past their TTL that DynamoDB has not yet deleted.
EXPIRED = "expired"

# The attribute that records when an entry reached each status.
STATUS_TIME = {
    CONFIRMED: "confirmed_at",
    UNSUBSCRIBED: "unsubscribed_at",
    SUPPRESSED: "suppressed_at",
    REJECTED: "rejected_at",
}


def timestamp(moment):
    """A fixed-width UTC ISO 8601 string: such strings sort (and compare in a DynamoDB
    condition) in time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def epoch(moment):
    return int(moment.timestamp())


REQUIRED = ("email", "status", "created_at", "region")


class MalformedEntry(ValueError):
    """A stored item that is not a subscriber entry: no retry can make it one."""


@dataclass(frozen=True)
class Subscriber:
    email: str
    status: str
    created_at: str
    region: str
    expires_at: int | None = None
    confirmed_at: str | None = None
    unsubscribed_at: str | None = None
    suppressed_at: str | None = None
    rejected_at: str | None = None
    status_reason: str | None = None
    welcome_claimed_at: str | None = None
    welcome_sent_at: str | None = None
    welcome_message_id: str | None = None
    soft_bounces: int | None = None
    last_soft_bounce_at: str | None = None

    @classmethod
    def new_pending(cls, email, *, now, region, ttl_days):
        return cls(
            email=email,
            status=PENDING,
            created_at=timestamp(now),
            region=region,
            expires_at=epoch(now + timedelta(days=ttl_days)),
        )

    @classmethod
    def from_item(cls, item):
        """From a plain item (DynamoDB numbers arrive as Decimal); unknown attributes are
        ignored, so an older function can read a newer item. An item missing what every
        entry has (written by hand, say) raises MalformedEntry."""
        known = {f.name for f in fields(cls)}
        values = {k: (int(v) if isinstance(v, Decimal) else v) for k, v in item.items() if k in known}
        missing = [name for name in REQUIRED if not isinstance(values.get(name), str)]
        if missing:
            raise MalformedEntry(f"the stored entry has no {', '.join(missing)}")
        return cls(**values)

    def to_item(self):
        """The item as stored: absent values are left out rather than stored as null."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def is_expired(self, now):
        return self.status == PENDING and self.expires_at is not None and self.expires_at <= epoch(now)

    def is_replaceable(self, now, *, quiet_days):
        """May a new subscribe replace this entry (and so send a new confirmation)? Not
        while it is live, and never once suppressed. Nor for `quiet_days` after somebody
        unsubscribed from a confirmation email they never confirmed: that is "I did not ask
        for this", and without the pause a forger could send one email per unsubscribe. A
        reader who had confirmed, then left, may come back at once."""
        if self.status == UNSUBSCRIBED and not self.confirmed_at and self.unsubscribed_at:
            return self.unsubscribed_at <= timestamp(now - timedelta(days=quiet_days))
        return self.status in (UNSUBSCRIBED, REJECTED) or self.is_expired(now)

    def display_status(self, now):
        return EXPIRED if self.is_expired(now) else self.status

    def can_be_welcomed(self, now):
        """Pending, not welcomed yet, and not past its TTL: a record replayed late must not
        send a link to an entry DynamoDB is about to delete."""
        return self.status == PENDING and not self.welcome_sent_at and not self.is_expired(now)

    def transitioned(self, status, *, now, reason=None):
        """This entry moved to `status`: the TTL and any welcome claim no longer apply."""
        changes = {"status": status, "expires_at": None, "welcome_claimed_at": None}
        if status in STATUS_TIME:
            changes[STATUS_TIME[status]] = timestamp(now)
        if reason is not None:
            changes["status_reason"] = reason
        return replace(self, **changes)
