"""AWS-shaped events written for this project: the JSON Lambda hands the function, in the shapes
AWS documents, with values of our own. S3 notifications (put, delete, the test event), DynamoDB
stream records (INSERT, MODIFY, REMOVE of a NEW_IMAGE stream), SNS deliveries of SES
notifications (bounce, complaint, delivery) and SQS messages from the failed-records queue."""

import json
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent


def load(name):
    """A fresh copy of an event: `name` in this folder, or a path (a corpus file)."""
    path = name if isinstance(name, Path) else FOLDER / name
    return json.loads(path.read_text())


def params(*names):
    """Events of this folder as pytest parameters, to join with `tests.corpus.params`."""
    return [pytest.param(FOLDER / name, id=name) for name in names]


def ses_notification(event):
    """The SES notification the first SNS record carries (a JSON string in `Sns.Message`)."""
    return json.loads(event["Records"][0]["Sns"]["Message"])


def with_notification(event, notification):
    """`event` with every SNS record carrying `notification` instead."""
    for record in event["Records"]:
        record["Sns"]["Message"] = json.dumps(notification)
    return event
