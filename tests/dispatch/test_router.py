"""The one entry point: every event goes to the handler that owns it, and an event nobody
owns is an error, never a silent success."""

import pytest

from common.events import dynamodb_stream_event, s3_object_created_event
from dispatch.router import NOT_OURS, UnknownEvent, event_sources, route
from tests import corpus, events

S3_PUTS = events.params("s3-put.json") + corpus.params(
    "events", "aws-sam-cli/S3Put.json", "aws-docs/s3-put-doc-example.json"
)
STREAMS = events.params(
    "dynamodb-stream-subscribers.json", "dynamodb-stream-other-table.json"
) + corpus.params("events", "powertools/dynamoStreamEvent.json", "aws-sam-cli/DynamoDBUpdate.json")
# Only a versioned bucket's events name the version; the local folder keeps none.
VERSIONED_ONLY = {"Records.s3.object.versionId"}


def shape(value):
    """The structure of a JSON value: keys of objects, recursively, and element shapes."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def keys_of(value, prefix=""):
    if isinstance(value, dict):
        found = set()
        for key, item in value.items():
            found |= {f"{prefix}{key}"} | keys_of(item, f"{prefix}{key}.")
        return found
    if isinstance(value, list) and value:
        return keys_of(value[0], prefix)
    return set()


@pytest.mark.parametrize("path", S3_PUTS)
def test_local_s3_event_has_the_shape_aws_sends(path):
    """The app's own S3 event has every field of AWS's put event, with the same types."""
    reference = events.load(path)
    local = s3_object_created_event("local-media", "uploads/a b.jpg", 10)
    assert keys_of(reference) - VERSIONED_ONLY <= keys_of(local)
    reference_object = shape(reference)["Records"][0]["s3"]["object"]
    reference_object.pop("versionId", None)
    assert shape(local)["Records"][0]["s3"]["object"] == reference_object
    assert local["Records"][0]["s3"]["object"]["key"] == "uploads/a+b.jpg"


@pytest.mark.parametrize("path", STREAMS)
def test_local_stream_event_has_the_shape_aws_sends(path):
    """The app's own DynamoDB stream record has every field of AWS's INSERT record."""
    insert = next(r for r in events.load(path)["Records"] if r["eventName"] == "INSERT")
    local = dynamodb_stream_event(
        "subscribers", "INSERT", {"email": {"S": "a@example.com"}}, {"email": {"S": "a@example.com"}}
    )
    # Item attributes differ by table; the envelope must not.
    envelope = {k for k in keys_of(insert) if not k.startswith(("dynamodb.Keys.", "dynamodb.NewImage."))}
    assert envelope <= keys_of(local["Records"][0])
    assert (
        shape(local["Records"][0])["dynamodb"]["SequenceNumber"]
        == shape(insert)["dynamodb"]["SequenceNumber"]
    )
    assert local["Records"][0]["dynamodb"]["StreamViewType"] == "NEW_IMAGE"


@pytest.mark.parametrize(
    "event",
    [
        {"Records": [{"eventSource": "aws:kinesis"}]},
        {"Records": [{"EventSource": "aws:kafka"}]},
        {"Records": [{"eventSource": "aws:s3"}, {"eventSource": "aws:dynamodb"}]},
        {"Records": [{}]},
        {"Records": "not a list"},
        {"Records": [1, 2]},
        ["not", "an", "object"],
    ],
)
def test_unknown_records_raise(event):
    """Records from a source nobody owns, mixed sources or a malformed list raise."""
    with pytest.raises(UnknownEvent):
        route(event)


@pytest.mark.parametrize(
    "event",
    [
        {"httpMethod": "GET", "path": "/"},
        {"detail-type": "Scheduled Event", "resources": ["arn:aws:events:eu-west-1:1:rule/blog-dev-x.y"]},
        {"manage": "migrate"},
        {"command": "blog.tasks.publish_due_posts"},
    ],
)
def test_everything_else_goes_to_zappa(event):
    """HTTP, schedules and commands are not ours: the entry point hands them to Zappa."""
    assert route(event) is NOT_OURS


SOURCES = {
    "aws:sns": events.params("sns-ses-complaint.json", "sns-plain-message.json")
    + corpus.params("events", "aws-sam-cli/Sns.json"),
    "aws:s3": events.params("s3-put.json", "s3-delete.json")
    + corpus.params("events", "aws-sam-cli/S3Put.json"),
    "aws:dynamodb": STREAMS,
    "aws:sqs": events.params("sqs-failed-records.json"),
}


@pytest.mark.parametrize(
    ("path", "source"),
    [pytest.param(*case.values, source, id=case.id) for source, cases in SOURCES.items() for case in cases],
)
def test_both_spellings_of_event_source_are_read(path, source):
    """SNS spells it `EventSource`; S3, DynamoDB and SQS `eventSource`."""
    assert event_sources(events.load(path)["Records"]) == {source}


@pytest.mark.django_db
def test_a_delivery_from_the_failed_records_queue_fails_every_record():
    """SQS records go to the newsletter's handler; the failed-records queue is read by
    `replay_failed`, never delivered to the function: a trigger wired to it by mistake fails
    each record loudly (back to its queue) instead of swallowing it."""
    event = events.load("sqs-failed-records.json")
    result = route(event)
    assert result == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}


def test_entry_point_hands_http_to_zappas_handler(monkeypatch):
    """The Lambda entry point calls Zappa's handler for an HTTP event, and ours for S3."""
    import zappa.handler

    from dispatch import entry

    seen = []
    monkeypatch.setattr(zappa.handler, "lambda_handler", lambda event, context: seen.append(event) or "zappa")
    assert entry.handler({"httpMethod": "GET", "path": "/"}, None) == "zappa"
    assert seen == [{"httpMethod": "GET", "path": "/"}]
    assert entry.handler(events.load("s3-test-event.json"), None) == {"ignored": "s3:TestEvent"}


def test_the_router_knows_exactly_the_tasks_zappa_schedules():
    """Replay and the local schedule run a scheduled event's task by name, from the router's
    table: it holds what every stage's Zappa settings schedule, no more, no less."""
    from deploy.settings import description, zappa_settings
    from dispatch.router import SCHEDULED_TASKS

    for stage in description()["stages"]:
        events = zappa_settings(stage, {}, complete=False)["events"]
        scheduled = {e["function"] for e in events if "expression" in e}
        assert scheduled == set(SCHEDULED_TASKS)
