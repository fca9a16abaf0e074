"""Signed tokens for the links in the welcome email.

Each kind has its own salt, so a confirm token cannot be used to unsubscribe and the other way
round. The confirm link expires (WELCOME_CONFIRM_DAYS, the same life as a pending entry) and
names the entry it was sent for (its `created_at`), so a link from an earlier subscription
cannot confirm a later one that somebody else made for the same address. The unsubscribe link
must keep working for as long as the reader keeps the email, whichever entry is current. Keys
rotate with SECRET_KEY_FALLBACKS."""

from datetime import timedelta

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "welcome.confirm"
UNSUBSCRIBE_SALT = "welcome.unsubscribe"


class InvalidToken(Exception):
    """The link was altered, truncated or signed with another key."""


class ExpiredToken(InvalidToken):
    """The link was genuine but is too old."""


def confirm_token(email, entry):
    """A token confirming the entry for `email` created at `entry` (its `created_at`)."""
    return signing.dumps({"email": email, "entry": entry}, salt=CONFIRM_SALT)


def unsubscribe_token(email):
    return signing.dumps(email, salt=UNSUBSCRIBE_SALT)


def read_confirm_token(token):
    """(email, entry) from a confirm token."""
    payload = _read(token, CONFIRM_SALT, max_age=timedelta(days=settings.WELCOME_CONFIRM_DAYS))
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), str):
        raise InvalidToken
    return _address(payload.get("email")), payload["entry"]


def read_unsubscribe_token(token):
    return _address(_read(token, UNSUBSCRIBE_SALT, max_age=None))


def _read(token, salt, max_age):
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredToken from None
    except signing.BadSignature:
        raise InvalidToken from None


def _address(value):
    if not isinstance(value, str) or "@" not in value:
        raise InvalidToken
    return value
