"""Claims, the same on both stores (DynamoDB in moto, the local SQLite file): taken once,
refused while fresh, taken over once stale, given back to be retried, final once finished,
and each remembers whether it was counted failed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from newsletter.claims import DONE, SENT, SKIPPED, get_claims, page_key, send_key
from welcome.store import Claim

LEASE = timedelta(minutes=2)


@pytest.fixture(params=["local", "dynamodb"])
def claims(request):
    if request.param == "dynamodb":
        request.getfixturevalue("queue_aws")
    return get_claims()


def claim(claims, key, now):
    return claims.claim(key, now=now, stale_before=now - LEASE)


def test_a_claim_is_taken_once_and_final_once_finished(claims):
    now, key = timezone.now(), send_key(1, "ann@example.com")
    assert claim(claims, key, now) == (Claim.CLAIMED, None)
    verdict, item = claim(claims, key, now)
    assert verdict is Claim.BUSY and item["status"] == "claimed"

    before = claims.finish(key, SENT, now=now, message_id="m-1")

    assert before["status"] == "claimed"
    verdict, item = claim(claims, key, now + timedelta(days=1))
    assert verdict is Claim.DONE and item["message_id"] == "m-1" and "claimed_at" not in item


def test_a_stale_claim_is_taken_over(claims):
    now, key = timezone.now(), send_key(1, "ann@example.com")
    claim(claims, key, now)
    assert claim(claims, key, now + LEASE / 2)[0] is Claim.BUSY
    verdict, before = claim(claims, key, now + LEASE + timedelta(seconds=1))
    assert verdict is Claim.CLAIMED and before["attempts"] == 1
    assert claims.get(key)["attempts"] == 2


def test_a_released_claim_is_taken_again_and_remembers_it_was_counted_failed(claims):
    now, key = timezone.now(), send_key(1, "ann@example.com")
    claim(claims, key, now)
    claims.release(key, gave_up=True)
    verdict, before = claim(claims, key, now)
    assert verdict is Claim.CLAIMED and before["gave_up"] is True
    claims.release(key)  # fails again, not the last time: still counted failed once
    assert claims.get(key)["gave_up"] is True
    claim(claims, key, now)
    assert claims.finish(key, SKIPPED, now=now)["gave_up"] is True
    assert "gave_up" not in claims.get(key)


def test_finishing_or_releasing_a_claim_not_held_changes_nothing(claims):
    now, key = timezone.now(), page_key(1, None)
    assert claims.finish(key, DONE, now=now) is None
    claims.release(key)
    assert claims.get(key) is None
    claim(claims, key, now)
    claims.finish(key, DONE, now=now)
    claims.release(key)
    assert claims.get(key)["status"] == "done"


def test_items_expire_after_thirty_days(claims):
    now, key = timezone.now(), send_key(1, "ann@example.com")
    claim(claims, key, now)
    assert claims.get(key)["expires_at"] == int((now + timedelta(days=30)).timestamp())


def test_page_keys_are_short_and_distinct():
    cursor = '{"email": {"S": "' + "x" * 240 + '@example.com"}}'
    assert page_key(1, None) != page_key(1, cursor) != page_key(2, cursor)
    assert len(page_key(1, cursor)) < 60
