"""Replaying failed work end to end in moto: the failed-records queue holds what Lambda's
on-failure destination really sends for a stream batch (only where the records are: shard and
sequence numbers), `manage.py replay_failed` reads the records again from the stream, runs
them through the same handler, and deletes only the messages that succeeded."""

import io
import json
import time
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from django.core.management import CommandError, call_command

from common import aws as aws_clients
from dispatch import replay
from tests import events
from tests.welcome.conftest import REGION, sns_event
from welcome import services
from welcome.store import get_store


@pytest.fixture
def queue(aws, monkeypatch):
    """The failed-records queue, and the replay reading the stream through moto's endpoint."""
    monkeypatch.setattr(replay, "streams_client", lambda: aws.streams)
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="blog-prod-failed-records")["QueueUrl"]
    return sqs, url


def on_failure_record(aws, address):
    """Subscribe `address`, then describe its INSERT the way the stream trigger's on-failure
    destination does: an invocation record with DDBStreamBatchInfo, not the record itself."""
    services.subscribe(address)
    arn = aws.stream_arn
    [shard] = aws.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = aws.streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )
    records = aws.streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    [insert] = [
        r for r in records if r["dynamodb"]["Keys"]["email"]["S"] == address and r["eventName"] == "INSERT"
    ]
    sequence = insert["dynamodb"]["SequenceNumber"]
    now = datetime.now(UTC).isoformat()
    return {
        "requestContext": {
            "requestId": "5d5c9e3a-request",
            "functionArn": f"arn:aws:lambda:{REGION}:123456789012:function:blog-prod",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 6,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": now,
        "DDBStreamBatchInfo": {
            "shardId": shard["ShardId"],
            "startSequenceNumber": sequence,
            "endSequenceNumber": sequence,
            "approximateArrivalOfFirstRecord": now,
            "approximateArrivalOfLastRecord": now,
            "batchSize": 1,
            "streamArn": arn,
        },
    }


def json_types(value):
    """The structure of a JSON value: each key's value's JSON type, recursively."""
    if isinstance(value, dict):
        return {key: json_types(item) for key, item in value.items()}
    return type(value).__name__


def test_records_read_back_from_the_stream_are_what_lambda_delivers(aws):
    """GetRecords answers in the SDK's types (a datetime for the time, no stream ARN); replay
    (and conftest's `new_records`) must rebuild the record Lambda would have delivered. Held
    here to an INSERT of our table written out by hand (tests/events): the same keys and JSON
    types throughout, the time in epoch seconds, the stream's own ARN, the item as stored."""
    before = int(time.time())
    services.subscribe("jane@example.com")
    after = int(time.time()) + 1
    [read] = [r for r in aws.new_records() if r["eventName"] == "INSERT"]
    [written] = [
        r for r in events.load("dynamodb-stream-subscribers.json")["Records"] if r["eventName"] == "INSERT"
    ]

    assert json_types(read) == json_types(written)
    assert json.loads(json.dumps(read)) == read
    change = read["dynamodb"]
    assert before <= change["ApproximateCreationDateTime"] <= after
    assert read["eventSourceARN"] == aws.stream_arn
    assert (read["eventSource"], read["awsRegion"], change["StreamViewType"]) == (
        "aws:dynamodb",
        REGION,
        "NEW_IMAGE",
    )
    assert change["Keys"] == {"email": {"S": "jane@example.com"}}
    entry = get_store().get("jane@example.com")
    assert change["NewImage"] == {
        "email": {"S": "jane@example.com"},
        "status": {"S": "pending"},
        "created_at": {"S": entry.created_at},
        "region": {"S": REGION},
        "expires_at": {"N": str(entry.expires_at)},
    }
    assert change["SequenceNumber"].isdigit()


def test_the_queues_messages_as_sqs_holds_them_are_read_back_into_events():
    """The failed-records queue's two kinds of message, as SQS hands them out: an
    asynchronous invocation's failure gives back the very event the function had; a stream
    batch's failure names only where its records were, and a stream that is gone says so."""
    async_failure, stream_failure = (r["body"] for r in events.load("sqs-failed-records.json")["Records"])

    [event] = replay.events_in(async_failure)
    assert event == json.loads(async_failure)["requestPayload"]
    assert event["Records"][0]["eventSource"] == "aws:s3"

    streams = boto3.client("dynamodbstreams", region_name=REGION)
    with Stubber(streams) as stub:
        stub.add_client_error("get_shard_iterator", "ResourceNotFoundException", "Stream not found", 400)
        with pytest.raises(replay.Unreplayable, match="the stream or shard is gone"):
            replay.events_in(stream_failure, streams)


def messages(sqs, url):
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def replay_queue(url):
    out = io.StringIO()
    call_command("replay_failed", queue=url, stdout=out)
    return out.getvalue()


def test_a_failed_stream_batch_is_replayed_from_the_stream_and_deleted(aws, queue):
    sqs, url = queue
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(on_failure_record(aws, "jane@example.com")))

    report = replay_queue(url)

    assert len(aws.sent()) == 1, "the welcome was sent once"
    assert get_store().get("jane@example.com").welcome_sent_at
    assert messages(sqs, url) == 0
    assert "ok       dynamodb" in report and " sent" in report
    assert "1 message(s) replayed and deleted, 0 kept" in report
    assert "jane@example.com" not in report


def test_replaying_a_batch_already_sent_sends_nothing_more_and_is_deleted(aws, queue):
    sqs, url = queue
    body = json.dumps(on_failure_record(aws, "jane@example.com"))
    sqs.send_message(QueueUrl=url, MessageBody=body)
    replay_queue(url)
    sqs.send_message(QueueUrl=url, MessageBody=body)

    report = replay_queue(url)

    assert len(aws.sent()) == 1
    assert "skipped  dynamodb" in report and "duplicate" in report
    assert messages(sqs, url) == 0


def test_a_record_that_fails_again_stays_in_the_queue(aws, queue):
    sqs, url = queue
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(on_failure_record(aws, "ann@example.com")))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(on_failure_record(aws, "bob@example.com")))
    with Stubber(aws_clients.client("sesv2", None)) as ses:
        ses.add_client_error("send_email", "TooManyRequestsException", "Maximum sending rate exceeded.", 429)
        ses.add_response("send_email", {"MessageId": "m-bob"})
        report = replay_queue(url)

    assert "failed   dynamodb" in report and "TooManyRequestsException" in report
    assert "1 message(s) replayed and deleted, 1 kept in the queue." in report
    assert messages(sqs, url) == 1
    assert get_store().get("ann@example.com").welcome_sent_at is None
    assert get_store().get("bob@example.com").welcome_message_id == "m-bob"


def test_a_message_of_an_unknown_shape_is_kept_and_said_so(aws, queue):
    sqs, url = queue
    sqs.send_message(QueueUrl=url, MessageBody='{"hello": "world"}')
    report = replay_queue(url)
    assert "kept (unknown message shape" in report
    assert messages(sqs, url) == 1


def test_an_undelivered_ses_notification_is_replayed_from_its_sns_envelope(aws, queue):
    """SNS's redrive queue holds the SNS message; replay rebuilds the event Lambda would get."""
    sqs, url = queue
    services.subscribe("gone@example.com")
    notification = {
        "notificationType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                   "bouncedRecipients": [{"emailAddress": "gone@example.com"}]},
    }  # fmt: skip
    envelope = sns_event(notification)["Records"][0]["Sns"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(envelope))

    replay_queue(url)

    assert get_store().get("gone@example.com").status == "suppressed"
    assert messages(sqs, url) == 0


def test_a_file_holding_an_async_on_failure_record_is_replayed(aws, tmp_path, capsys):
    """An S3 event that failed as an asynchronous invocation comes back as `requestPayload`;
    here it names an object outside the upload prefix, so it is skipped, and that is success."""
    s3_event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                             "s3": {"bucket": {"name": "media"}, "object": {"key": "notes/a.txt"}}}]}  # fmt: skip
    path = tmp_path / "failed.json"
    path.write_text(json.dumps({"version": "1.0", "requestPayload": s3_event, "responsePayload": None}))
    out = io.StringIO()

    call_command("replay_failed", file=path, stdout=out)

    assert "skipped  s3" in out.getvalue() and "notes/a.txt" in out.getvalue()
    assert "failed.json: succeeded" in out.getvalue()


def test_a_file_whose_records_fail_again_fails_the_command(aws, tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"Records": [{"eventSource": "aws:kinesis"}]}))
    with pytest.raises(CommandError, match="failed again"):
        call_command("replay_failed", file=path, stdout=io.StringIO())
