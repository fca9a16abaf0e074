"""Both stores behave the same: conditional writes, so nothing happens twice; entries that may
be replaced are, and a suppressed one never is. The local store survives a restart and
delivers its INSERTs like a stream."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from welcome.store import Claim, _make_store, current_region, get_store
from welcome.subscriber import (
    CONFIRMED,
    PENDING,
    REJECTED,
    SUPPRESSED,
    UNSUBSCRIBED,
    MalformedEntry,
    Subscriber,
    epoch,
    timestamp,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EMAIL = "jane@example.com"


@pytest.fixture(autouse=True)
def _no_local_stream(monkeypatch):
    # The store on its own here: its stream delivery has its own test.
    monkeypatch.setenv("LOCAL_EVENTS", "false")


def pending(email=EMAIL, now=NOW):
    return Subscriber.new_pending(email, now=now, region=current_region(), ttl_days=7)


def test_add_writes_a_pending_entry_once(store_kind):
    store = get_store()
    assert store.add(pending(), now=NOW) is True
    assert store.add(pending(now=NOW + timedelta(minutes=1)), now=NOW) is False
    entry = store.get(EMAIL)
    assert entry.status == PENDING
    assert entry.created_at == timestamp(NOW)
    assert entry.region == current_region()
    assert entry.expires_at == epoch(NOW + timedelta(days=7))
    assert [s.email for s in store.all()] == [EMAIL]


def test_regions_are_recorded(store_kind):
    """Locally the region is common.events'; in AWS, the function's own."""
    get_store().add(pending(), now=NOW)
    assert get_store().get(EMAIL).region == {"local": "local-1", "dynamodb": "us-east-1"}[store_kind]


@pytest.mark.parametrize("status", [UNSUBSCRIBED, REJECTED])
def test_unsubscribed_or_rejected_entries_are_replaced_by_a_new_subscribe(store_kind, status):
    store = get_store()
    store.add(pending(), now=NOW)
    store.transition(EMAIL, status, allowed_from=(PENDING,), now=NOW)
    later = NOW + timedelta(days=30)
    assert store.add(pending(now=later), now=later) is True
    entry = store.get(EMAIL)
    assert (entry.status, entry.created_at) == (PENDING, timestamp(later))
    assert entry.unsubscribed_at is None and entry.rejected_at is None


def test_an_expired_pending_entry_is_replaced(store_kind):
    store = get_store()
    store.add(pending(), now=NOW)
    assert store.add(pending(now=NOW + timedelta(days=6)), now=NOW + timedelta(days=6)) is False
    later = NOW + timedelta(days=8)
    assert store.add(pending(now=later), now=later) is True
    assert store.get(EMAIL).created_at == timestamp(later)


def test_after_an_unconfirmed_unsubscribe_a_new_subscribe_waits_the_quiet_days(store_kind, settings):
    """Somebody unsubscribed from a confirmation they never asked for: a forger must not get
    another email to them with each new subscribe. A pending entry's life later, it may."""
    store = get_store()
    store.add(pending(), now=NOW)
    store.transition(EMAIL, UNSUBSCRIBED, allowed_from=(PENDING,), now=NOW)
    days = settings.WELCOME_CONFIRM_DAYS
    soon = NOW + timedelta(days=days) - timedelta(minutes=1)
    assert store.add(pending(now=soon), now=soon) is False
    assert store.get(EMAIL).status == UNSUBSCRIBED
    later = NOW + timedelta(days=days)
    assert store.add(pending(now=later), now=later) is True


def test_a_reader_who_had_confirmed_may_come_back_at_once(store_kind):
    store = get_store()
    store.add(pending(), now=NOW)
    store.transition(EMAIL, CONFIRMED, allowed_from=(PENDING,), now=NOW)
    store.transition(EMAIL, UNSUBSCRIBED, allowed_from=(CONFIRMED,), now=NOW)
    soon = NOW + timedelta(minutes=5)
    assert store.add(pending(now=soon), now=soon) is True
    assert store.get(EMAIL).status == PENDING


def test_a_transition_for_another_entry_changes_nothing(store_kind):
    store = get_store()
    store.add(pending(), now=NOW)
    changed, entry = store.transition(EMAIL, CONFIRMED, allowed_from=(PENDING,), now=NOW, entry="1999")
    assert not changed and entry.status == PENDING
    changed, entry = store.transition(
        EMAIL, CONFIRMED, allowed_from=(PENDING,), now=NOW, entry=timestamp(NOW)
    )
    assert changed and entry.status == CONFIRMED


def test_an_item_that_is_not_an_entry_is_left_out_of_the_list(store_kind):
    """A hand-written item (no created_at) reads as MalformedEntry, and the admin's list
    shows the other entries."""
    store = get_store()
    store.add(pending(), now=NOW)
    store.add(pending("ann@example.com"), now=NOW)
    broken = store.get("ann@example.com").to_item()
    del broken["created_at"]
    with pytest.raises(MalformedEntry):
        Subscriber.from_item(broken)
    store._delete_if("ann@example.com", {})
    if store_kind == "local":
        with store._transaction() as connection:
            connection.execute(
                "INSERT INTO subscribers (email, item) VALUES (?, ?)", ("ann@example.com", json.dumps(broken))
            )
    else:
        store._client.put_item(
            TableName=store.table_name, Item={k: {"S": v} for k, v in broken.items() if isinstance(v, str)}
        )
    assert [s.email for s in store.all()] == [EMAIL]
    with pytest.raises(MalformedEntry):
        store.get("ann@example.com")


@pytest.mark.parametrize("status", [CONFIRMED, SUPPRESSED])
def test_confirmed_and_suppressed_entries_are_never_replaced(store_kind, status):
    store = get_store()
    store.add(pending(), now=NOW)
    store.transition(EMAIL, status, allowed_from=(PENDING,), now=NOW)
    later = NOW + timedelta(days=365)
    assert store.add(pending(now=later), now=later) is False
    assert store.get(EMAIL).status == status


def test_welcome_claims(store_kind):
    """One claim at a time; a fresh claim makes others wait, a stale one is taken over, a
    released one can be claimed again, and once sent there is nothing to claim."""
    store = get_store()
    store.add(pending(), now=NOW)
    stale_before = NOW - timedelta(minutes=2)
    claim, entry = store.claim_welcome(EMAIL, now=NOW, stale_before=stale_before)
    assert claim is Claim.CLAIMED and entry.welcome_claimed_at == timestamp(NOW)
    assert store.claim_welcome(EMAIL, now=NOW, stale_before=stale_before)[0] is Claim.BUSY

    store.release_welcome(EMAIL)
    assert store.get(EMAIL).welcome_claimed_at is None
    assert store.claim_welcome(EMAIL, now=NOW, stale_before=stale_before)[0] is Claim.CLAIMED

    much_later = NOW + timedelta(minutes=10)
    claim, _ = store.claim_welcome(EMAIL, now=much_later, stale_before=much_later - timedelta(minutes=2))
    assert claim is Claim.CLAIMED, "a claim older than the lease is taken over"

    store.finish_welcome(EMAIL, now=much_later, message_id="m-1")
    entry = store.get(EMAIL)
    assert entry.welcome_sent_at == timestamp(much_later) and entry.welcome_message_id == "m-1"
    assert entry.welcome_claimed_at is None
    assert store.claim_welcome(EMAIL, now=much_later, stale_before=much_later)[0] is Claim.DONE
    assert store.claim_welcome("nobody@example.com", now=NOW, stale_before=NOW)[0] is Claim.DONE


def test_transitions_only_from_allowed_statuses(store_kind):
    store = get_store()
    store.add(pending(), now=NOW)
    changed, entry = store.transition(EMAIL, CONFIRMED, allowed_from=(PENDING,), now=NOW)
    assert changed and entry.status == CONFIRMED and entry.confirmed_at == timestamp(NOW)
    assert entry.expires_at is None, "a confirmed entry has no TTL"
    changed, entry = store.transition(EMAIL, CONFIRMED, allowed_from=(PENDING,), now=NOW)
    assert not changed and entry.status == CONFIRMED
    assert store.transition("nobody@example.com", CONFIRMED, allowed_from=(PENDING,), now=NOW) == (
        False,
        None,
    )


def test_suppress_creates_or_updates_and_sticks(store_kind):
    store = get_store()
    created = store.suppress("new@example.com", now=NOW, reason="complaint: abuse")
    assert created.status == SUPPRESSED and created.status_reason == "complaint: abuse"
    store.add(pending(), now=NOW)
    assert store.suppress(EMAIL, now=NOW, reason="bounce: Permanent/General").status == SUPPRESSED
    assert store.suppress(EMAIL, now=NOW, reason="again").status_reason == "bounce: Permanent/General"


def test_soft_bounces_are_counted(store_kind):
    store = get_store()
    assert store.record_soft_bounce(EMAIL, now=NOW) is None
    store.add(pending(), now=NOW)
    store.record_soft_bounce(EMAIL, now=NOW)
    entry = store.record_soft_bounce(EMAIL, now=NOW)
    assert (entry.soft_bounces, entry.status) == (2, PENDING)


def test_counts_and_search(store_kind):
    store = get_store()
    for email in ("ann@example.com", "Bob@Example.org", "cy@example.com"):
        store.add(pending(email), now=NOW)
    store.transition("ann@example.com", CONFIRMED, allowed_from=(PENDING,), now=NOW)
    counts = store.counts(now=NOW)
    assert (counts[PENDING], counts[CONFIRMED], counts[SUPPRESSED]) == (2, 1, 0)
    assert store.counts(now=NOW + timedelta(days=8))["expired"] == 2
    assert [s.email for s in store.search("bob@example")] == ["Bob@Example.org"]
    assert {s.email for s in store.search("EXAMPLE.COM")} == {"ann@example.com", "cy@example.com"}


def test_the_local_store_survives_a_restart():
    get_store().add(pending(), now=NOW)
    _make_store.cache_clear()
    assert get_store().get(EMAIL).status == PENDING


def test_the_local_store_adds_once_under_concurrency():
    """Racing subscribes of one address write one entry: the conditional write is atomic."""
    results = []
    barrier = threading.Barrier(8)

    def add():
        barrier.wait()
        results.append(get_store().add(pending(), now=NOW))

    threads = [threading.Thread(target=add) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_dynamodb_replacement_is_a_remove_and_an_insert_on_the_stream(aws):
    """Replacing an entry must reach the stream as an INSERT (which sends the confirmation),
    not as a MODIFY (which sends nothing)."""
    store = get_store()
    store.add(pending(), now=NOW)
    store.transition(EMAIL, UNSUBSCRIBED, allowed_from=(PENDING,), now=NOW)
    aws.new_records()
    later = NOW + timedelta(days=8)  # past the quiet days after an unconfirmed unsubscribe
    store.add(pending(now=later), now=later)
    assert [r["eventName"] for r in aws.new_records()] == ["REMOVE", "INSERT"]
