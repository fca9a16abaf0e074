"""On the embedded defaults the app delivers the stream's INSERT itself: the event must have
the shape AWS sends (held here against a record read back from moto's stream and against the
reference events), and it must reach the handler, which sends the welcome."""

from django.core import mail

from common import events as local
from tests.welcome.conftest import corpus_json
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


def test_the_local_insert_event_has_every_key_of_the_reference_inserts():
    built = local.dynamodb_stream_event("subscribers", "INSERT", keys={"email": {"S": "a@example.com"}})
    for path in (("aws-sam-cli", "DynamoDBUpdate.json"), ("powertools", "dynamoStreamEvent.json")):
        reference = next(r for r in corpus_json("events", *path)["Records"] if r["eventName"] == "INSERT")
        (record,) = built["Records"]
        assert set(reference) <= set(record), path
        assert set(reference["dynamodb"]) - {"NewImage"} <= set(record["dynamodb"]), path


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
