"""The newsletter in AWS's shape, against moto: the page and send messages on an SQS queue
(redriving into a failed-records queue), the claims in DynamoDB, SES v2 sending; the function
given each batch as Lambda's event source mapping hands it over (conftest.QueueAws). Exactly
one email per confirmed subscriber, whatever is duplicated, retried, throttled or replayed."""

import io
import json

import pytest
from botocore.stub import Stubber
from django.core.management import call_command

from blog import services as blog
from common import aws as aws_clients
from newsletter import messages
from newsletter.claims import get_claims, send_key
from newsletter.models import Newsletter
from tests.newsletter.conftest import recipients
from welcome import services as welcome

pytestmark = pytest.mark.django_db


def publish(make_post, title="Harbour at dawn", **extra):
    post = make_post(state="draft", title=title, **extra)
    assert blog.publish_post(post)
    return post


def test_publishing_queues_one_page_then_one_email_per_confirmed_subscriber(queue_aws, readers, make_post):
    readers(ann="confirmed", bob="confirmed", pen="pending", una="unsubscribed", sue="suppressed")
    post = publish(make_post)
    [page] = queue_aws.receive(visibility=0)
    assert json.loads(page["Body"]) == {"type": "newsletter.page", "post": post.pk, "cursor": None}

    queue_aws.drain()

    sent = queue_aws.sent()
    assert recipients(sent) == ["ann@example.com", "bob@example.com"]
    assert {str(m["Subject"]) for m in sent} == {"Harbour at dawn"}
    assert queue_aws.count() == 0 and queue_aws.count(queue_aws.failed_url) == 0
    newsletter = Newsletter.objects.get(post=post)
    assert (newsletter.recipients, newsletter.sent, newsletter.suppressed, newsletter.failed) == (2, 2, 1, 0)
    assert newsletter.fanned_out_at is not None
    claim = get_claims().get(send_key(post.pk, "ann@example.com"))
    assert claim["status"] == "sent" and claim["message_id"] and claim["attempts"] == 1


def test_a_duplicated_message_sends_nothing(queue_aws, readers, make_post):
    readers(ann="confirmed")
    post = publish(make_post)
    queue_aws.drain()
    assert len(queue_aws.sent()) == 1

    queue_aws.send(messages.send(post.pk, "ann@example.com").body())  # SQS delivered it twice
    queue_aws.send(messages.page(post.pk).body())  # and the first page too
    queue_aws.drain()

    assert len(queue_aws.sent()) == 1
    assert Newsletter.objects.get(post=post).sent == 1


def test_a_replayed_batch_sends_nothing(queue_aws, readers, make_post):
    from dispatch.entry import handler

    readers(ann="confirmed", bob="confirmed")
    publish(make_post)
    queue_aws.drain()
    [sends] = [e for e in queue_aws.delivered if "newsletter.send" in e["Records"][0]["body"]]

    assert handler(json.loads(json.dumps(sends)), None) == {"batchItemFailures": []}
    assert recipients(queue_aws.sent()) == ["ann@example.com", "bob@example.com"]


@pytest.fixture
def ses(queue_aws):
    """botocore's Stubber on the very SES client the sender uses: nothing reaches moto's SES."""
    with Stubber(aws_clients.client("sesv2", None)) as stubber:
        yield stubber


def test_a_throttled_address_is_retried_and_then_sent_once(queue_aws, readers, make_post, ses):
    """SES throttles the second send of a batch: the rest of the batch is not tried, both go
    back to the queue (their claims free), and the retry sends each once."""
    readers(ann="confirmed", bob="confirmed", cy="confirmed")
    post = publish(make_post)
    queue_aws.poll()  # the page
    ses.add_response("send_email", {"MessageId": "m-first"})
    ses.add_client_error("send_email", "TooManyRequestsException", "Maximum sending rate exceeded.", 429)

    _, answer = queue_aws.poll(visibility=0)  # visible again at once: Lambda would wait 6 minutes

    assert len(answer["batchItemFailures"]) == 2
    ses.assert_no_pending_responses()
    claims = [get_claims().get(send_key(post.pk, f"{a}@example.com")) for a in ("ann", "bob", "cy")]
    assert sorted(c["status"] if c else "not tried" for c in claims) == ["not tried", "released", "sent"]
    ses.add_response("send_email", {"MessageId": "m-second"})
    ses.add_response("send_email", {"MessageId": "m-third"})
    queue_aws.drain()
    ses.assert_no_pending_responses()
    ids = {
        a: get_claims().get(send_key(post.pk, f"{a}@example.com"))["message_id"] for a in ("ann", "bob", "cy")
    }
    assert sorted(ids.values()) == ["m-first", "m-second", "m-third"]
    assert Newsletter.objects.get(post=post).sent == 3


def test_a_permanent_rejection_is_counted_failed_and_not_retried(queue_aws, readers, make_post, ses):
    readers(ann="confirmed", bob="confirmed")
    post = publish(make_post)
    queue_aws.poll()
    ses.add_client_error("send_email", "MessageRejected", "Address blacklisted.", 400)
    ses.add_response("send_email", {"MessageId": "m-bob"})

    _, answer = queue_aws.poll()

    assert answer == {"batchItemFailures": []}
    newsletter = Newsletter.objects.get(post=post)
    assert (newsletter.sent, newsletter.failed) == (1, 1)
    statuses = {get_claims().get(send_key(post.pk, f"{a}@example.com"))["status"] for a in ("ann", "bob")}
    assert statuses == {"rejected", "sent"}


def test_a_send_that_keeps_failing_lands_in_the_failed_records_queue_and_replay_sends_it_once(
    queue_aws, readers, make_post, ses
):
    """Five receives, five failures: counted failed on the last, then moved by the queue's
    redrive policy to the failed-records queue. `replay_failed` sends it once SES is back (and
    moves it from failed to sent); a second replay has nothing to do."""
    readers(ann="confirmed")
    post = publish(make_post)
    queue_aws.poll()
    for attempt in range(1, 6):
        ses.add_client_error("send_email", "InternalFailure", "SES is having a bad day.", 500)
        _, answer = queue_aws.poll(visibility=0)
        assert len(answer["batchItemFailures"]) == 1, attempt
    assert Newsletter.objects.get(post=post).failed == 1
    assert queue_aws.receive(visibility=0) == [], "the sixth receive moved it"
    assert queue_aws.count(queue_aws.failed_url) == 1

    ses.add_response("send_email", {"MessageId": "m-replayed"})
    out = io.StringIO()
    call_command("replay_failed", stdout=out)

    assert "1 message(s) replayed and deleted, 0 kept in the queue." in out.getvalue()
    ses.assert_no_pending_responses()
    newsletter = Newsletter.objects.get(post=post)
    assert (newsletter.sent, newsletter.failed) == (1, 0)
    assert get_claims().get(send_key(post.pk, "ann@example.com"))["message_id"] == "m-replayed"
    queue_aws.send(messages.send(post.pk, "ann@example.com").body())
    queue_aws.drain()  # no response stubbed: any send would raise


def test_suppressed_or_unsubscribed_after_the_fan_out_get_nothing(queue_aws, readers, make_post):
    store = readers(ann="confirmed", bob="confirmed", cy="confirmed")
    post = publish(make_post)
    queue_aws.poll()  # the page: all three queued
    welcome.unsubscribe("bob@example.com")
    welcome.suppress("cy@example.com", reason="complaint: abuse")

    queue_aws.drain()

    assert recipients(queue_aws.sent()) == ["ann@example.com"]
    newsletter = Newsletter.objects.get(post=post)
    assert (newsletter.recipients, newsletter.sent, newsletter.skipped, newsletter.suppressed_total) == (
        3,
        1,
        2,
        2,
    )
    assert store.get("bob@example.com").status == "unsubscribed"


def test_the_list_is_read_in_pages_and_a_duplicated_page_queues_nothing(
    queue_aws, readers, make_post, settings
):
    settings.NEWSLETTER_PAGE_SIZE = 2
    readers(**{f"r{n}": "confirmed" for n in range(5)})
    post = publish(make_post)

    queue_aws.drain()
    pages = [json.loads(r["body"]) for e in queue_aws.delivered for r in e["Records"] if "page" in r["body"]]
    queue_aws.send(json.dumps(pages[1]))
    queue_aws.drain()

    assert len(pages) >= 3 and pages[0]["cursor"] is None
    assert recipients(queue_aws.sent()) == [f"r{n}@example.com" for n in range(5)]
    assert Newsletter.objects.get(post=post).recipients == 5


def test_a_message_that_is_not_ours_is_reported_failed_never_dropped(queue_aws):
    queue_aws.send('{"hello": "world"}')
    queue_aws.send("not json")

    _, answer = queue_aws.poll()

    assert len(answer["batchItemFailures"]) == 2


def test_a_page_for_a_newsletter_not_committed_yet_is_retried_then_dropped_when_old(
    queue_aws, make_post, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from newsletter import fanout

    monkeypatch.setattr(fanout, "COMMIT_WAIT_SECONDS", 0.1)
    post = make_post(state="draft")
    message = messages.page(post.pk)
    with pytest.raises(fanout.NotStartedYet):
        fanout.fan_out(message, sent_at=timezone.now())
    assert fanout.fan_out(message, sent_at=timezone.now() - timedelta(minutes=11)) == "skipped"
    assert queue_aws.count() == 0
