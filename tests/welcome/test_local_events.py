"""On the embedded defaults the app delivers the stream's INSERT itself: the event must have
the shape AWS sends (held here against a record read back from moto's stream and against
stream events written out as AWS delivers them), and it must reach the handler, which sends
the welcome."""

import re

import pytest
from django.core import mail

from common import events as local
from tests import corpus, events
from welcome import services
from welcome.store import get_store


def _shape(record):
    """Keys, and the JSON type of each value, of a record and its `dynamodb` part."""
    top = {k: type(v).__name__ for k, v in record.items()}
    change = {k: type(v).__name__ for k, v in record["dynamodb"].items()}
    return top, change


def test_the_local_insert_event_matches_a_real_stream_record(aws):
    """Same keys, same value types, same NewImage for the same item."""
    from boto3.dynamodb.types import TypeSerializer

    services.subscribe("jane@example.com")
    (real,) = aws.new_records()
    item = get_store().get("jane@example.com").to_item()
    image = {k: TypeSerializer().serialize(v) for k, v in item.items()}
    (built,) = local.dynamodb_stream_event(
        "subscribers", "INSERT", keys={"email": image["email"]}, new_image=image, region="us-east-1"
    )["Records"]

    assert _shape(built) == _shape(real)
    assert built["dynamodb"]["NewImage"] == real["dynamodb"]["NewImage"]
    assert built["dynamodb"]["Keys"] == real["dynamodb"]["Keys"]
    assert (built["eventName"], built["eventSource"], built["awsRegion"]) == (
        real["eventName"],
        real["eventSource"],
        real["awsRegion"],
    )


@pytest.mark.parametrize(
    "path",
    events.params("dynamodb-stream-subscribers.json")
    + corpus.params("events", "aws-sam-cli/DynamoDBUpdate.json", "powertools/dynamoStreamEvent.json"),
)
def test_the_local_insert_event_has_every_key_of_an_insert_aws_delivers(path):
    built = local.dynamodb_stream_event("subscribers", "INSERT", keys={"email": {"S": "a@example.com"}})
    reference = next(r for r in events.load(path)["Records"] if r["eventName"] == "INSERT")
    (record,) = built["Records"]
    assert set(reference) <= set(record)
    assert set(reference["dynamodb"]) - {"NewImage"} <= set(record["dynamodb"])


def test_the_local_insert_event_is_one_our_table_sends():
    """Against an INSERT of our own table written out as Lambda delivers it: the same keys
    and value types everywhere, the same item in the same DynamoDB JSON."""
    (reference,) = [
        r for r in events.load("dynamodb-stream-subscribers.json")["Records"] if r["eventName"] == "INSERT"
    ]
    change = reference["dynamodb"]
    (built,) = local.dynamodb_stream_event(
        "blog-prod-subscribers",
        "INSERT",
        keys=change["Keys"],
        new_image=change["NewImage"],
        region="us-east-1",
    )["Records"]
    assert _shape(built) == _shape(reference)
    assert (built["dynamodb"]["Keys"], built["dynamodb"]["NewImage"]) == (change["Keys"], change["NewImage"])
    arn = r"arn:aws:dynamodb:us-east-1:[0-9]{12}:table/blog-prod-subscribers/stream/.+"
    assert re.fullmatch(arn, reference["eventSourceARN"]) and re.fullmatch(arn, built["eventSourceARN"])


def test_subscribing_locally_delivers_the_welcome_through_the_handler(outbox):
    """The local store's INSERT goes through the local delivery and the router to the handler,
    which sends once: to Django's mail backend and to the outbox folder."""
    services.subscribe("jane@example.com")
    assert [m.to for m in mail.outbox] == [["jane@example.com"]]
    (eml,) = outbox()
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in eml.read_bytes()
    assert get_store().get("jane@example.com").welcome_sent_at
    services.subscribe("jane@example.com")
    assert len(mail.outbox) == 1 and len(outbox()) == 1


def test_local_events_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("LOCAL_EVENTS", "false")
    services.subscribe("jane@example.com")
    assert mail.outbox == []
    assert get_store().get("jane@example.com").welcome_sent_at is None


def test_without_an_outbox_folder_the_email_still_goes_to_the_mail_backend(settings, outbox):
    settings.WELCOME_OUTBOX_DIR = ""
    services.subscribe("jane@example.com")
    assert len(mail.outbox) == 1 and outbox() == []
