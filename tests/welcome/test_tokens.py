"""Confirm and unsubscribe links carry signed tokens: each kind only opens its own door, the
confirm link expires, the unsubscribe link does not."""

import time

import pytest
from django.core import signing

from welcome import tokens

ENTRY = "2026-11-22T08:00:00.000000Z"


def test_tokens_round_trip():
    assert tokens.read_confirm_token(tokens.confirm_token("jane@example.com", ENTRY)) == (
        "jane@example.com",
        ENTRY,
    )
    assert tokens.read_unsubscribe_token(tokens.unsubscribe_token("jane@example.com")) == "jane@example.com"


def test_a_token_only_works_for_its_own_kind():
    with pytest.raises(tokens.InvalidToken):
        tokens.read_unsubscribe_token(tokens.confirm_token("jane@example.com", ENTRY))
    with pytest.raises(tokens.InvalidToken):
        tokens.read_confirm_token(tokens.unsubscribe_token("jane@example.com"))


@pytest.mark.parametrize("token", ["", "garbage", "a:b:c", "IkphbmUi:1abc:forged"])
def test_altered_tokens_are_invalid(token):
    with pytest.raises(tokens.InvalidToken):
        tokens.read_confirm_token(token)


def test_a_token_signed_with_another_key_is_invalid(settings):
    token = tokens.confirm_token("jane@example.com", ENTRY)
    settings.SECRET_KEY = "another key entirely, for this test only"
    with pytest.raises(tokens.InvalidToken):
        tokens.read_confirm_token(token)


@pytest.mark.parametrize(
    "payload",
    [
        "jane@example.com",  # the old form, naming no entry
        {"email": "jane@example.com"},
        {"email": "jane", "entry": ENTRY},
        {"email": ["jane@example.com"], "entry": ENTRY},
        {"email": "jane@example.com", "entry": 7},
    ],
)
def test_signed_values_that_are_not_an_address_and_an_entry_are_invalid(payload):
    token = signing.dumps(payload, salt=tokens.CONFIRM_SALT)
    with pytest.raises(tokens.InvalidToken):
        tokens.read_confirm_token(token)


def test_confirm_tokens_expire_and_unsubscribe_tokens_do_not(settings, monkeypatch):
    """After WELCOME_CONFIRM_DAYS the confirm link is expired (and says so); an old
    unsubscribe link still works."""
    confirm = tokens.confirm_token("jane@example.com", ENTRY)
    unsubscribe = tokens.unsubscribe_token("jane@example.com")
    later = time.time() + (settings.WELCOME_CONFIRM_DAYS + 1) * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(tokens.ExpiredToken):
        tokens.read_confirm_token(confirm)
    assert tokens.read_unsubscribe_token(unsubscribe) == "jane@example.com"
