"""The stream handler, driven with records read back from moto's DynamoDB stream and with
stream events written out as AWS delivers them (tests/events): exactly one welcome per subscriber, whatever is duplicated or replayed;
nothing for anything but a pending INSERT written in this region; per-record failures that
name only the failed record, and never an empty identifier."""

import copy
import email
import email.policy

import pytest
from botocore.stub import Stubber

from common import aws as aws_clients
from dispatch.router import route
from tests import corpus, events
from tests.welcome.conftest import create_table, event
from welcome import services
from welcome.store import get_store
from welcome.subscriber import CONFIRMED, PENDING, REJECTED


def subscribe_and_read(aws, *addresses):
    for address in addresses:
        services.subscribe(address)
    return [r for r in aws.new_records() if r["eventName"] == "INSERT"]


def recipients(aws):
    return [email.message_from_string(m.raw_data)["To"] for m in aws.sent()]


def test_an_insert_read_from_the_stream_sends_one_welcome(aws):
    (record,) = subscribe_and_read(aws, "jane@example.com")
    assert route(event(record)) == {"batchItemFailures": []}
    assert recipients(aws) == ["jane@example.com"]
    entry = get_store().get("jane@example.com")
    assert entry.welcome_sent_at and entry.welcome_message_id and entry.welcome_claimed_at is None
    assert entry.status == PENDING


def test_a_duplicated_record_sends_one_email(aws):
    (record,) = subscribe_and_read(aws, "jane@example.com")
    assert route(event(record, record)) == {"batchItemFailures": []}
    assert route(event(record)) == {"batchItemFailures": []}
    assert len(aws.sent()) == 1


def test_a_replayed_batch_sends_one_email_each(aws):
    records = subscribe_and_read(aws, "ann@example.com", "bob@example.com")
    batch = event(*records)
    route(batch)
    route(copy.deepcopy(batch))
    assert sorted(recipients(aws)) == ["ann@example.com", "bob@example.com"]


def test_modify_and_remove_records_send_nothing(aws):
    """Our own claim and sent-marks, a confirm, an unsubscribe and a delete all reach the
    stream as MODIFY or REMOVE records: none of them sends."""
    (insert,) = subscribe_and_read(aws, "jane@example.com")
    route(event(insert))
    services.confirm("jane@example.com", entry=get_store().get("jane@example.com").created_at)
    services.unsubscribe("jane@example.com")
    aws.dynamodb.delete_item(TableName="subscribers", Key={"email": {"S": "jane@example.com"}})
    records = aws.new_records()
    assert {r["eventName"] for r in records} == {"MODIFY", "REMOVE"}
    assert route(event(*records)) == {"batchItemFailures": []}
    assert len(aws.sent()) == 1


def test_a_ttl_expiry_sends_nothing(aws):
    """TTL deletions are REMOVE records made by the DynamoDB service itself."""
    subscribe_and_read(aws, "jane@example.com")
    aws.dynamodb.delete_item(TableName="subscribers", Key={"email": {"S": "jane@example.com"}})
    (remove,) = aws.new_records()
    remove["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert route(event(remove)) == {"batchItemFailures": []}
    assert aws.sent() == []


def test_a_keys_only_stream_sends_nothing(aws):
    """Without a NewImage there is nothing to decide on: no email, and no failure either."""
    create_table(aws.dynamodb, "keys-only", "KEYS_ONLY")
    aws.table = "keys-only"
    aws.dynamodb.put_item(
        TableName="keys-only",
        Item={"email": {"S": "jane@example.com"}, "status": {"S": "pending"}, "region": {"S": "us-east-1"}},
    )
    (record,) = aws.new_records()
    assert "NewImage" not in record["dynamodb"]
    assert route(event(record)) == {"batchItemFailures": []}
    assert aws.sent() == []


def test_another_regions_insert_sends_nothing(aws):
    """With a global table this region's stream also carries inserts written in another
    region; only the writer's region sends."""
    aws.dynamodb.put_item(
        TableName="subscribers",
        Item={
            "email": {"S": "jane@example.com"},
            "status": {"S": "pending"},
            "region": {"S": "eu-west-1"},
            "created_at": {"S": "2026-03-01T12:00:00.000000Z"},
        },
    )
    (record,) = aws.new_records()
    assert route(event(record)) == {"batchItemFailures": []}
    assert aws.sent() == []
    assert get_store().get("jane@example.com").welcome_claimed_at is None


def test_the_writers_region_is_the_one_that_sends(aws, monkeypatch):
    """The same record handled by the replica in eu-west-1 sends nothing there."""
    (record,) = subscribe_and_read(aws, "jane@example.com")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    route(event(record))
    assert aws.sent() == []
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    route(event(record))
    assert len(aws.sent()) == 1


@pytest.mark.parametrize(
    "path",
    events.params("dynamodb-stream-other-table.json")
    + corpus.params("events", "aws-sam-cli/DynamoDBUpdate.json", "powertools/dynamoStreamEvent.json"),
)
def test_another_tables_stream_events_are_processed_without_sending_or_failing(aws, path):
    """Records of another table's shape are not ours: nothing is sent, and nothing is reported
    failed (a record that can never succeed must not block the shard)."""
    assert route(events.load(path)) == {"batchItemFailures": []}
    assert aws.sent() == []


def test_our_tables_stream_as_aws_delivers_it_sends_one_welcome(aws):
    """INSERT, MODIFY (the welcome's claim) and a TTL REMOVE of one subscriber, in one batch
    as Lambda delivers them: the INSERT sends the welcome, the others nothing."""
    from django.utils import timezone

    from welcome.subscriber import Subscriber

    batch = events.load("dynamodb-stream-subscribers.json")
    [insert] = [r for r in batch["Records"] if r["eventName"] == "INSERT"]
    address = insert["dynamodb"]["Keys"]["email"]["S"]
    # The entry the INSERT announces, as subscribe stored it (the file's times are fixed; the
    # store's are now, or the entry would have expired before its welcome).
    now = timezone.now()
    entry = Subscriber.new_pending(address, now=now, region=insert["awsRegion"], ttl_days=7)
    assert get_store().add(entry, now=now)
    assert [r["eventName"] for r in batch["Records"]] == ["INSERT", "MODIFY", "REMOVE"]

    assert route(batch) == {"batchItemFailures": []}
    assert recipients(aws) == [address]
    assert route(batch) == {"batchItemFailures": []}
    assert len(aws.sent()) == 1


@pytest.mark.parametrize(
    "mangle",
    [
        lambda r: r.pop("dynamodb"),
        lambda r: r["dynamodb"].pop("Keys"),
        lambda r: r["dynamodb"]["NewImage"].update(email={"N": "1"}),
        lambda r: r["dynamodb"]["NewImage"].update(status={"S": "confirmed"}),
        lambda r: r["dynamodb"]["NewImage"].pop("region"),
        lambda r: r["dynamodb"]["Keys"].update(email={"S": "someone-else@example.com"}),
        lambda r: r.update(dynamodb="not an object"),
    ],
)
def test_odd_records_send_nothing_and_fail_nothing(aws, mangle):
    (record,) = subscribe_and_read(aws, "jane@example.com")
    mangle(record)
    assert route(event(record)) == {"batchItemFailures": []}
    assert aws.sent() == []


@pytest.fixture
def ses_stub(aws):
    """botocore's Stubber on the very SES client the sender uses."""
    with Stubber(aws_clients.client("sesv2", None)) as stubber:
        yield stubber


def test_a_throttled_send_fails_only_its_record_and_is_retried(aws, ses_stub):
    records = subscribe_and_read(aws, "ann@example.com", "bob@example.com", "cy@example.com")
    ses_stub.add_response("send_email", {"MessageId": "m-ann"})
    ses_stub.add_client_error("send_email", "TooManyRequestsException", "Maximum sending rate exceeded.", 429)
    ses_stub.add_response("send_email", {"MessageId": "m-cy"})
    response = route(event(*records))
    assert response == {"batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]}
    ses_stub.assert_no_pending_responses()
    assert get_store().get("bob@example.com").welcome_claimed_at is None, "the claim was released"

    # Lambda retries from the failed record on: only bob's welcome is sent this time.
    ses_stub.add_response("send_email", {"MessageId": "m-bob"})
    assert route(event(*records[1:])) == {"batchItemFailures": []}
    ses_stub.assert_no_pending_responses()
    sent = {
        e: get_store().get(e).welcome_message_id
        for e in ("ann@example.com", "bob@example.com", "cy@example.com")
    }
    assert sent == {"ann@example.com": "m-ann", "bob@example.com": "m-bob", "cy@example.com": "m-cy"}


def test_a_batch_where_every_send_fails_reports_every_record(aws, ses_stub):
    records = subscribe_and_read(aws, "ann@example.com", "bob@example.com")
    for _ in records:
        ses_stub.add_client_error("send_email", "InternalFailure", "Oops.", 500)
    response = route(event(*records))
    assert response == {
        "batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in records]
    }


@pytest.mark.parametrize("sequence", [None, ""])
def test_a_response_never_names_an_empty_identifier(aws, ses_stub, sequence):
    (record,) = subscribe_and_read(aws, "jane@example.com")
    if sequence is None:
        del record["dynamodb"]["SequenceNumber"]
    else:
        record["dynamodb"]["SequenceNumber"] = sequence
    ses_stub.add_client_error("send_email", "TooManyRequestsException", "Slow down.", 429)
    assert route(event(record)) == {"batchItemFailures": []}


def test_a_permanent_rejection_marks_the_address_and_is_not_retried(aws, ses_stub):
    (record,) = subscribe_and_read(aws, "jane@example.com")
    ses_stub.add_client_error("send_email", "MessageRejected", "Address blacklisted.", 400)
    assert route(event(record)) == {"batchItemFailures": []}
    entry = get_store().get("jane@example.com")
    assert entry.status == REJECTED and "Address blacklisted" in entry.status_reason
    # A replay sends nothing: no response is stubbed, so any send would raise.
    assert route(event(record)) == {"batchItemFailures": []}


def test_an_invalid_address_refused_by_ses_is_rejected_beside_good_ones(aws, ses_stub):
    """SES v2 answers BadRequestException for content it will never accept, which for a
    welcome means the address: that record is marked rejected, not retried, and the others
    are sent."""
    records = subscribe_and_read(aws, "ann@example.com", "bob@example.com", "cy@example.com")
    ses_stub.add_response("send_email", {"MessageId": "m-ann"})
    ses_stub.add_client_error("send_email", "BadRequestException", "Illegal address", 400)
    ses_stub.add_response("send_email", {"MessageId": "m-cy"})
    assert route(event(*records)) == {"batchItemFailures": []}
    ses_stub.assert_no_pending_responses()
    assert get_store().get("bob@example.com").status == REJECTED
    assert get_store().get("cy@example.com").welcome_message_id == "m-cy"


def test_failing_to_record_a_send_does_not_send_twice(aws, monkeypatch, caplog):
    """SES accepted the welcome, then marking it sent failed (three tries): the record counts
    as done, so Lambda does not retry it into a second email, and the log says what
    happened."""
    (record,) = subscribe_and_read(aws, "jane@example.com")
    store = get_store()
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("DynamoDB is having a bad day")

    monkeypatch.setattr(type(store), "finish_welcome", broken)
    assert route(event(record)) == {"batchItemFailures": []}
    assert len(calls) == 3 and len(aws.sent()) == 1
    assert "not recorded as sent" in caplog.text
    # The claim stays: a duplicate delivered within the lease sends nothing either.
    assert route(event(record))["batchItemFailures"] and len(aws.sent()) == 1


def test_a_record_replayed_after_its_entry_expired_sends_nothing(aws, settings):
    """A record replayed late (from the failed-records queue, say) for an entry past its TTL
    that DynamoDB has not deleted yet: its link would lead nowhere, so nothing is sent."""
    from datetime import timedelta

    from django.utils import timezone

    subscribe_and_read(aws, "jane@example.com")
    later = timezone.now() + timedelta(days=settings.WELCOME_CONFIRM_DAYS, seconds=1)
    assert services.send_welcome("jane@example.com", now=later) == "skipped"
    assert aws.sent() == []


def test_an_item_that_is_not_an_entry_is_skipped_not_retried(aws):
    """A pending item written by hand without created_at can never be welcomed: reported
    failed, it would block the shard until it expired."""
    aws.dynamodb.put_item(
        TableName="subscribers",
        Item={"email": {"S": "jane@example.com"}, "status": {"S": "pending"}, "region": {"S": "us-east-1"}},
    )
    (record,) = aws.new_records()
    (good,) = subscribe_and_read(aws, "ann@example.com")
    assert route(event(record, good)) == {"batchItemFailures": []}
    assert recipients(aws) == ["ann@example.com"]


@pytest.mark.parametrize(
    "address",
    [
        "jane@example.com\r\nBcc: everyone@example.org",
        "jane@example.com\n",
        "Jane@Example.com",
        "not an address",
    ],
)
def test_an_address_the_app_never_stores_is_skipped_not_retried(aws, address, capsys):
    """A hand-written table item whose address holds a line break (or is not in the form
    subscribe stores) can never be sent to: it is skipped as permanent, with its reason
    counted, instead of being retried as a transient failure until the failure queue; the
    other records in the batch are welcomed."""
    aws.dynamodb.put_item(
        TableName="subscribers",
        Item={
            "email": {"S": address},
            "status": {"S": "pending"},
            "region": {"S": "us-east-1"},
            "created_at": {"S": "2026-03-01T12:00:00.000000Z"},
        },
    )
    (record,) = aws.new_records()
    (good,) = subscribe_and_read(aws, "ann@example.com")
    assert route(event(record, good)) == {"batchItemFailures": []}
    assert recipients(aws) == ["ann@example.com"]
    assert get_store().get(address).welcome_claimed_at is None, "nothing was claimed"
    output = capsys.readouterr().out
    assert "outcome=skipped" in output and "reason=not_a_welcome" in output


def test_case_variants_of_an_address_are_one_subscriber(aws):
    """Jane@, jane@ and JANE@ are one mailbox: one entry, one welcome; and once suppressed,
    no variant gets through."""
    records = subscribe_and_read(aws, "Jane@example.com", "jane@example.com", "JANE@EXAMPLE.COM")
    assert len(records) == 1
    route(event(*records))
    assert recipients(aws) == ["jane@example.com"]
    assert subscribe_and_read(aws, "Jane@Example.com") == []


def test_an_unverified_sender_is_our_configuration_and_is_retried(aws, ses_stub):
    """SES says "not verified" for our own identity (or the sandbox): the reader's entry is
    left pending and the record retried, not marked rejected."""
    (record,) = subscribe_and_read(aws, "jane@example.com")
    ses_stub.add_client_error("send_email", "MessageRejected", "Email address is not verified.", 400)
    assert route(event(record))["batchItemFailures"] == [
        {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
    ]
    assert get_store().get("jane@example.com").status == PENDING


def test_a_fresh_claim_held_elsewhere_fails_the_record_until_it_goes_stale(aws, settings):
    """If an attempt died after claiming, the retry waits for the claim to go stale, then
    sends: the welcome is late, never lost."""
    from datetime import timedelta

    from django.utils import timezone

    (record,) = subscribe_and_read(aws, "jane@example.com")
    claimed_at = timezone.now()
    get_store().claim_welcome("jane@example.com", now=claimed_at, stale_before=claimed_at)
    assert route(event(record))["batchItemFailures"] == [
        {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
    ]
    assert aws.sent() == []
    services.send_welcome(
        "jane@example.com", now=claimed_at + timedelta(seconds=settings.WELCOME_CLAIM_SECONDS + 1)
    )
    assert len(aws.sent()) == 1


def test_the_message_sent_carries_the_one_click_headers(aws, settings):
    """Checked on what SES was actually asked to send: the raw MIME message, as botocore's
    Stubber sees the request, and as moto stored it."""
    settings.SES_CONFIGURATION_SET = "blog-welcome"
    (record,) = subscribe_and_read(aws, "jane@example.com")

    class Capture:
        value = None

        def __eq__(self, other):
            Capture.value = other
            return True

    with Stubber(aws_clients.client("sesv2", None)) as stubber:
        stubber.add_response(
            "send_email",
            {"MessageId": "m-1"},
            expected_params={
                "FromEmailAddress": settings.WELCOME_FROM_EMAIL,
                "Destination": {"ToAddresses": ["jane@example.com"]},
                "Content": Capture(),
                "ConfigurationSetName": "blog-welcome",
            },
        )
        assert route(event(record)) == {"batchItemFailures": []}
    message = email.message_from_bytes(Capture.value["Raw"]["Data"], policy=email.policy.default)
    # A header this long is folded onto a continuation line (RFC 5322 allows it).
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<https://blog.example.com/unsubscribe/") and unsubscribe.endswith("/>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["To"] == "jane@example.com"
    assert message["Subject"].startswith("Confirm your subscription")
    for part in ("plain", "html"):
        assert unsubscribe[1:-1] in message.get_body((part,)).get_content()


def test_moto_receives_the_raw_message_with_its_headers(aws):
    (record,) = subscribe_and_read(aws, "jane@example.com")
    route(event(record))
    (sent,) = aws.sent()
    message = email.message_from_string(sent.raw_data)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip().startswith("<https://blog.example.com/unsubscribe/")


def test_confirmed_entries_are_not_welcomed_again(aws):
    (record,) = subscribe_and_read(aws, "jane@example.com")
    route(event(record))
    services.confirm("jane@example.com", entry=get_store().get("jane@example.com").created_at)
    assert get_store().get("jane@example.com").status == CONFIRMED
    route(event(record))
    assert len(aws.sent()) == 1
