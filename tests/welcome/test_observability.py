"""What the welcome paths print for ops: one JSON line per stream record with the request id
and the subscriber's hash (never the address), and EMF metrics for sent, skipped (by reason)
and failed welcomes, subscriptions, confirmations, unsubscribes and suppressions."""

from types import SimpleNamespace

import pytest
from botocore.stub import Stubber

from common import aws as aws_clients
from common import observe
from dispatch.router import route
from tests.emf import directive, metric_documents, printed_lines
from tests.welcome.conftest import event, sns_event
from welcome import services
from welcome.store import get_store

CONTEXT = SimpleNamespace(aws_request_id="c0ffee-request")
ADDRESS = "jane.doe@example.com"


@pytest.fixture(autouse=True)
def _json_lines(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")


def inserts(aws, *addresses):
    for address in addresses:
        services.subscribe(address)
    return [r for r in aws.new_records() if r["eventName"] == "INSERT"]


def stream_lines(capsys):
    lines, out = printed_lines(capsys)
    assert ADDRESS not in out and "jane.doe" not in out, "the raw address was printed"
    return [line for line in lines if line.get("event_source") == "dynamodb"]


def test_a_welcome_sent_is_one_line_with_the_hash_and_a_sent_metric(aws, capsys):
    (record,) = inserts(aws, ADDRESS)
    capsys.readouterr()
    route(event(record), CONTEXT)

    [line] = stream_lines(capsys)
    assert line["outcome"] == "sent"
    assert line["request_id"] == "c0ffee-request"
    assert line["subscriber_hash"] == observe.subscriber_hash(ADDRESS)
    assert line["sequence"] == record["dynamodb"]["SequenceNumber"]
    assert directive(line)["Metrics"] == [{"Name": "WelcomeSent", "Unit": "Count"}]
    assert directive(line)["Dimensions"] == [["service"]]
    assert line["WelcomeSent"] == 1


def test_a_duplicate_is_skipped_with_reason_duplicate(aws, capsys):
    (record,) = inserts(aws, ADDRESS)
    route(event(record), CONTEXT)
    capsys.readouterr()
    route(event(record), CONTEXT)

    [line] = stream_lines(capsys)
    assert (line["outcome"], line["reason"]) == ("skipped", "duplicate")
    assert directive(line)["Metrics"] == [{"Name": "WelcomeSkipped", "Unit": "Count"}]
    assert directive(line)["Dimensions"] == [["service"], ["service", "reason"]]
    assert line["subscriber_hash"] == observe.subscriber_hash(ADDRESS)


def test_another_regions_insert_and_a_modify_are_skipped_with_their_reason(aws, capsys):
    (record,) = inserts(aws, ADDRESS)
    other = {**record, "dynamodb": {**record["dynamodb"]}}
    other["dynamodb"]["NewImage"] = {**record["dynamodb"]["NewImage"], "region": {"S": "ap-south-1"}}
    modify = {**record, "eventName": "MODIFY"}
    capsys.readouterr()
    route(event(other, modify), CONTEXT)
    assert [line["reason"] for line in stream_lines(capsys)] == ["other_region", "not_insert"]


def test_a_throttled_send_is_an_error_line_and_a_failed_metric(aws, capsys):
    (record,) = inserts(aws, ADDRESS)
    capsys.readouterr()
    with Stubber(aws_clients.client("sesv2", None)) as ses:
        ses.add_client_error("send_email", "TooManyRequestsException", "Maximum sending rate exceeded.", 429)
        response = route(event(record), CONTEXT)
    assert response["batchItemFailures"]

    [line] = stream_lines(capsys)
    assert (line["outcome"], line["level"], line["reason"]) == ("failed", "ERROR", "transient")
    assert "TooManyRequestsException" in line["error"]
    assert line["WelcomeFailed"] == 1
    assert line["subscriber_hash"] == observe.subscriber_hash(ADDRESS)


def test_subscription_lifecycle_metrics(aws, capsys):
    services.subscribe(ADDRESS)
    services.subscribe(ADDRESS)  # nothing new: no second count
    services.confirm(ADDRESS, entry=get_store().get(ADDRESS).created_at)
    services.unsubscribe(ADDRESS)
    lines, out = printed_lines(capsys)
    assert ADDRESS not in out
    counted = [m["Name"] for line in lines if "_aws" in line for m in directive(line)["Metrics"]]
    assert counted == ["Subscriptions", "Confirmations", "Unsubscribes"]


def test_a_bounce_over_sns_counts_a_suppression(capsys):
    notification = {
        "notificationType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                   "bouncedRecipients": [{"emailAddress": ADDRESS}]},
        "mail": {"destination": [ADDRESS]},
    }  # fmt: skip
    route(sns_event(notification), CONTEXT)
    lines, out = printed_lines(capsys)
    assert ADDRESS not in out
    line = metric_documents(lines)["Suppressions"]
    assert (line["event_source"], line["reason"], line["request_id"]) == ("sns", "bounce", "c0ffee-request")
