"""Fixtures for the newsletter: the welcome flow's (a local store and outbox in tmp_path, or
moto's table and SES with `aws`), readers in every state, the newsletter emails found in the
outbox, and `queue_aws`: moto's SQS queue (redriving into a failed-records queue) and claims
table, with a poller that hands the function what Lambda's event source mapping would."""

import email
import email.policy
import json
from pathlib import Path

import pytest
from django.utils import timezone

from tests.welcome.conftest import REGION, _welcome_in_tmp, aws, csrf_client  # noqa: F401
from welcome.store import get_store
from welcome.subscriber import CONFIRMED, PENDING, Subscriber

MAX_RECEIVES = 5


@pytest.fixture(autouse=True)
def _unpaced(settings):
    # The pacing has its own test; here it would only make the suite slower.
    settings.NEWSLETTER_SEND_RATE = 0
    from newsletter import claims, queue

    claims._local.cache_clear()
    queue._local.cache_clear()


@pytest.fixture
def readers(monkeypatch):
    """readers(ann="confirmed", pen="pending", ...) writes `<name>@example.com` in each state
    into the subscriber store (no welcome email: this is about the newsletter)."""

    def make(**states):
        monkeypatch.setenv("LOCAL_EVENTS", "false")
        store, now = get_store(), timezone.now()
        for name, state in states.items():
            address = f"{name}@example.com"
            if state == "suppressed":
                store.suppress(address, now=now, reason="bounce: Permanent/General")
                continue
            store.add(Subscriber.new_pending(address, now=now, region=REGION, ttl_days=7), now=now)
            if state in ("confirmed", "unsubscribed"):
                store.transition(address, CONFIRMED, allowed_from=(PENDING,), now=now)
            if state == "unsubscribed":
                store.transition(address, "unsubscribed", allowed_from=(CONFIRMED,), now=now)
        monkeypatch.setenv("LOCAL_EVENTS", "true")
        return store

    return make


def parse(raw):
    return email.message_from_bytes(
        raw if isinstance(raw, bytes) else raw.encode(), policy=email.policy.default
    )


def is_newsletter(message):
    # The welcome email has no List-Id; the newsletter does.
    return message["List-Id"] is not None


@pytest.fixture
def newsletters(outbox):
    """The newsletter emails in the local outbox, oldest first, parsed."""

    def read():
        found = (parse(path.read_bytes()) for path in outbox())
        return [m for m in found if is_newsletter(m)]

    return read


def recipients(messages):
    return sorted(str(m["To"]) for m in messages)


class QueueAws:
    """moto's SQS and DynamoDB as the function meets them, and Lambda's poller played here:
    receive up to ten messages, hand them over as the SQS event, delete those not reported
    failed. `visibility` shortens the queue's timeout for a test that cannot wait 6 minutes."""

    def __init__(self, sqs, url, failed_url, moto):
        self.sqs, self.url, self.failed_url, self.moto = sqs, url, failed_url, moto
        self.delivered = []

    def receive(self, visibility=None):
        extra = {} if visibility is None else {"VisibilityTimeout": visibility}
        return self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], **extra
        ).get("Messages", [])

    def event(self, messages):
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return {"Records": [lambda_record(m, arn) for m in messages]}

    def poll(self, visibility=None):
        """One batch through the entry point; returns (event, answer), or None when empty."""
        from dispatch.entry import handler

        messages = self.receive(visibility)
        if not messages:
            return None
        event = self.event(messages)
        answer = handler(event, None)
        self.delivered.append(event)
        failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return event, answer

    def drain(self, rounds=50):
        for _ in range(rounds):
            if self.poll() is None:
                return
        raise AssertionError("the queue never emptied")

    def send(self, body):
        self.sqs.send_message(QueueUrl=self.url, MessageBody=body)

    def count(self, url=None):
        attributes = self.sqs.get_queue_attributes(QueueUrl=url or self.url, AttributeNames=["All"])[
            "Attributes"
        ]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def sent(self):
        """SES's sent messages, parsed."""
        return [parse(m.raw_data) for m in self.moto.sent()]


def lambda_record(message, arn):
    """An SQS message as Lambda's event source mapping hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {k: v for k, v in message.get("Attributes", {}).items() if k in LAMBDA_ATTRIBUTES},
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }


LAMBDA_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
)


@pytest.fixture
def queue_aws(aws, settings):  # noqa: F811
    """The newsletter's AWS: a queue redriving into a failed-records queue after
    MAX_RECEIVES receives, the claims table, and the settings pointed at them."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    failed_url = sqs.create_queue(QueueName="blog-test-failed-records")["QueueUrl"]
    failed_arn = sqs.get_queue_attributes(QueueUrl=failed_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName="blog-test-newsletter",
        Attributes={
            "VisibilityTimeout": "360",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": failed_arn, "maxReceiveCount": str(MAX_RECEIVES)}
            ),
        },
    )["QueueUrl"]
    aws.dynamodb.create_table(
        TableName="newsletter-claims",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    settings.NEWSLETTER_QUEUE_URL = url
    settings.NEWSLETTER_CLAIMS_TABLE = "newsletter-claims"
    settings.NEWSLETTER_MAX_RECEIVES = MAX_RECEIVES
    settings.FAILED_RECORDS_QUEUE = failed_url
    return QueueAws(sqs, url, failed_url, aws)


def event_fixture(name):
    return json.loads((Path(__file__).resolve().parents[1] / "events" / name).read_text())
