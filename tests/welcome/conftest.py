"""Fixtures for the welcome flow: every test gets its own local store and outbox in tmp_path
and fresh AWS clients; `aws` adds moto's DynamoDB table (with a NEW_IMAGE stream and TTL) and
SES (with a verified sender) and switches the settings to them."""

import json

import pytest
from django.test import Client

from common import aws as aws_clients
from dispatch import replay
from tests import events
from welcome.store import _make_store

REGION = "us-east-1"  # the region moto writes into its stream records
TABLE = "subscribers"
SENDER = "Field Notes <news@blog.example.com>"
# The data stack's topic, which tests/events' SES notifications come from; the handler
# trusts only the configured one.
SES_TOPIC = events.load("sns-ses-delivery.json")["Records"][0]["Sns"]["TopicArn"]


def sns_event(notification):
    """An SES notification as SNS delivers it from our topic (tests/events' envelope)."""
    return events.with_notification(events.load("sns-ses-delivery.json"), notification)


def _clear_caches():
    _make_store.cache_clear()
    aws_clients.client.cache_clear()


@pytest.fixture(autouse=True)
def _welcome_in_tmp(settings, monkeypatch):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "LOCAL_EVENTS"):
        monkeypatch.delenv(name, raising=False)
    # VAR_DIR, the local store and the outbox are in tmp_path already (tests/conftest.py).
    settings.WELCOME_SENDER = "welcome.sender.LocalMailSender"
    settings.WELCOME_FROM_EMAIL = SENDER
    settings.SES_REGION = ""
    settings.SES_CONFIGURATION_SET = ""
    settings.SES_NOTIFICATIONS_TOPIC_ARN = SES_TOPIC
    _clear_caches()
    yield
    _clear_caches()


@pytest.fixture
def csrf_client():
    """A client that enforces CSRF checks, as a browser without a CSRF cookie meets them."""
    return Client(enforce_csrf_checks=True)


class MotoAws:
    """The moto world: the table's stream read back as Lambda delivers it, and what SES sent."""

    def __init__(self, dynamodb, streams, table=TABLE):
        self.dynamodb = dynamodb
        self.streams = streams
        self.table = table
        self._after = None

    @property
    def stream_arn(self):
        return self.dynamodb.describe_table(TableName=self.table)["Table"]["LatestStreamArn"]

    def new_records(self):
        """Stream records written since the last call, in the JSON shape Lambda delivers: read
        back by replay's own reader (test_replay.py holds what it gives to a record written
        out by hand), so no second copy of that conversion lives here."""
        arn = self.stream_arn
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        where = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._after}
            if self._after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **where)["ShardIterator"]
        numbers = [
            r["dynamodb"]["SequenceNumber"]
            for r in self.streams.get_records(ShardIterator=iterator)["Records"]
        ]
        if not numbers:
            return []
        self._after = numbers[-1]
        batch = {
            "streamArn": arn,
            "shardId": shard,
            "startSequenceNumber": numbers[0],
            "endSequenceNumber": numbers[-1],
        }
        return replay.stream_records(batch, self.streams)

    def sent(self):
        """SES's sent messages (raw MIME) in this account and region."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def event(*records):
    return {"Records": [json.loads(json.dumps(r)) for r in records]}


@pytest.fixture
def aws(settings, monkeypatch):
    """moto's DynamoDB (table `subscribers`, NEW_IMAGE stream, TTL on expires_at) and SES
    (sender domain verified), with the settings pointed at them, as on Lambda."""
    import boto3

    from tests.aws import mocked_aws

    with mocked_aws(monkeypatch, REGION):
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_table(dynamodb, TABLE, "NEW_IMAGE")
        dynamodb.update_time_to_live(
            TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
        )
        boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity="blog.example.com")
        settings.SUBSCRIBER_STORE = {
            "BACKEND": "welcome.dynamodb_store.DynamoDBSubscriberStore",
            "OPTIONS": {"table_name": TABLE},
        }
        settings.WELCOME_SENDER = "welcome.sender.SesSender"
        _clear_caches()
        # botocore now sends stream calls that name a StreamArn to an account-based host
        # (<account>.streams-ddb.<region>...), which moto 5.2.5 does not route: use the
        # regional endpoint it knows.
        streams = boto3.client(
            "dynamodbstreams",
            region_name=REGION,
            endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com",
        )
        yield MotoAws(dynamodb, streams)
        _clear_caches()


def create_table(dynamodb, name, view_type):
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},
    )


@pytest.fixture(params=["local", "dynamodb"])
def store_kind(request):
    """Run a test on both stores: the same behaviour is the point."""
    if request.param == "dynamodb":
        request.getfixturevalue("aws")
    return request.param
