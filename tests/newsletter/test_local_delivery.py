"""The newsletter queue on the embedded defaults: SQS's contract for one consumer (visibility
timeout, receive counts, redrive to var/failed-records/ after NEWSLETTER_MAX_RECEIVES), the
same SQS event shape as AWS's (held against the reference event in tests/events), delivered to
the same router; and a failure retried by a later drain."""

import json
import time

import pytest

from common import events as local
from newsletter import messages
from newsletter.local import drain
from newsletter.queue import LocalQueue, get_queue
from tests.dispatch.test_router import keys_of, shape
from tests.newsletter.conftest import event_fixture, recipients

pytestmark = pytest.mark.django_db


def test_the_local_event_has_the_shape_lambda_delivers(tmp_path):
    reference = event_fixture("sqs-newsletter.json")
    queue = LocalQueue(tmp_path / "q.sqlite3")
    queue.send([messages.send(12, "reader@example.com")])

    built = local.sqs_event(queue.receive())

    assert keys_of(built) == keys_of(reference)
    assert shape(built) == shape(reference)
    [record] = built["Records"]
    assert json.loads(record["body"]) == json.loads(reference["Records"][0]["body"])
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert abs(int(record["attributes"]["SentTimestamp"]) / 1000 - time.time()) < 60


def test_the_handler_takes_the_reference_event(readers, make_post, newsletters):
    """AWS's own example batch, with our body, goes through the router like any other."""
    from dispatch.router import route

    readers(reader="confirmed")
    post = make_post(title="From the reference")
    event = event_fixture("sqs-newsletter.json")
    event["Records"][0]["body"] = messages.send(post.pk, "reader@example.com").body()

    assert route(event) == {"batchItemFailures": []}
    assert recipients(newsletters()) == ["reader@example.com"]


def test_a_received_message_is_hidden_then_comes_back_unless_deleted(tmp_path):
    queue = LocalQueue(tmp_path / "q.sqlite3", visibility_seconds=60)
    queue.send([messages.page(1), messages.page(2)])
    now = time.time()
    first = queue.receive(1, now=now)
    assert len(first) == 1 and queue.receive(10, now=now + 1)[0]["body"] != first[0]["body"]
    assert queue.receive(10, now=now + 30) == []
    [again] = queue.receive(10, now=now + 60.5)
    assert again["id"] == first[0]["id"] and again["receives"] == 2
    queue.delete(first[0]["id"], first[0]["receipt"])  # a stale receipt deletes nothing
    assert len(queue) == 2
    queue.delete(again["id"], again["receipt"])
    assert len(queue) == 1


def test_a_message_received_too_often_goes_to_the_failed_records_folder(tmp_path):
    queue = LocalQueue(
        tmp_path / "q.sqlite3", visibility_seconds=0, max_receives=3, failed_dir=tmp_path / "failed"
    )
    queue.send([messages.send(7, "ann@example.com")])
    now = time.time()
    for n in range(3):
        assert len(queue.receive(now=now + n)) == 1
    assert queue.receive(now=now + 10) == [] and len(queue) == 0
    [kept] = (tmp_path / "failed").glob("*.json")
    assert json.loads(kept.read_text()) == {"type": "newsletter.send", "post": 7, "email": "ann@example.com"}


def test_a_failed_send_is_retried_by_a_later_drain_and_replayed_from_the_folder(
    readers, make_post, newsletters, settings, monkeypatch
):
    """SMTP (the local stand-in for SES) refuses for a while: each drain leaves the message;
    after NEWSLETTER_MAX_RECEIVES it lands in var/failed-records/, and `replay_failed --file`
    sends it once."""
    from io import StringIO
    from pathlib import Path

    from django.core.management import call_command

    from welcome.sender import LocalMailSender

    readers(ann="confirmed")
    post = make_post(title="Stubborn")
    get_queue().send([messages.send(post.pk, "ann@example.com")])
    real_send = LocalMailSender.send
    monkeypatch.setattr(
        LocalMailSender, "send", lambda self, message: (_ for _ in ()).throw(ConnectionError("smtp"))
    )
    now = time.time()
    for n in range(settings.NEWSLETTER_MAX_RECEIVES):
        assert drain(now=now + 61 * n) == 1
    assert drain(now=now + 3600) == 0 and newsletters() == []
    [kept] = (Path(settings.VAR_DIR) / "failed-records").glob("newsletter-*.json")

    monkeypatch.setattr(LocalMailSender, "send", real_send)
    out = StringIO()
    call_command("replay_failed", file=kept, stdout=out)
    call_command("replay_failed", file=kept, stdout=out)

    assert recipients(newsletters()) == ["ann@example.com"]
    report = out.getvalue().splitlines()
    assert report[0].split() == ["ok", "sqs", report[0].split()[2], "sent"]
    assert report[2].split()[:2] == ["skipped", "sqs"] and report[2].endswith("skipped duplicate")


def test_nothing_is_delivered_when_local_events_are_off(monkeypatch, readers, make_post, newsletters):
    readers(ann="confirmed")
    post = make_post()
    get_queue().send([messages.send(post.pk, "ann@example.com")])
    monkeypatch.setenv("LOCAL_EVENTS", "false")
    assert drain() == 0
    monkeypatch.setenv("LOCAL_EVENTS", "true")
    assert drain() == 1 and len(newsletters()) == 1


def test_the_events_journal_names_the_message_not_the_address(readers, make_post, settings):
    from common.journal import journal_path, recent
    from common.observe import subscriber_hash

    readers(ann="confirmed")
    post = make_post()
    get_queue().send([messages.send(post.pk, "ann@example.com")])
    drain()

    [entry] = recent(journal_path(settings.VAR_DIR))
    assert entry["source"] == "aws:sqs" and entry["outcome"] == "sent"
    assert (
        entry["summary"] == f"newsletter.send post {post.pk} subscriber {subscriber_hash('ann@example.com')}"
    )
