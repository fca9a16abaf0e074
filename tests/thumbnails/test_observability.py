"""What the S3 handler prints for ops: one JSON line per record with the request id and the
key, and EMF metrics (renditions made, how long, failures by reason)."""

from types import SimpleNamespace

import pytest

from dispatch.router import route
from tests.emf import directive, metric_documents, printed_lines
from tests.thumbnails.test_handler import BUCKET, jpeg, put_event, s3  # noqa: F401 (fixture)

CONTEXT = SimpleNamespace(aws_request_id="8f5e-request")


@pytest.fixture(autouse=True)
def _json_lines(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")


def test_a_rendition_success_logs_the_key_and_counts_renditions_and_milliseconds(s3, capsys):  # noqa: F811
    s3.put_object(Bucket=BUCKET, Key="uploads/ok.jpg", Body=jpeg())
    capsys.readouterr()
    route(put_event("uploads/ok.jpg"), CONTEXT)

    lines, _ = printed_lines(capsys)
    [line] = [line for line in lines if line.get("event_source") == "s3"]
    assert (line["outcome"], line["key"], line["request_id"]) == ("done", "uploads/ok.jpg", "8f5e-request")
    emf = directive(line)
    assert emf["Namespace"] == "Blog"
    assert emf["Dimensions"] == [["service"]]
    assert emf["Metrics"] == [
        {"Name": "RenditionsMade", "Unit": "Count"},
        {"Name": "RenditionMilliseconds", "Unit": "Milliseconds"},
    ]
    assert line["RenditionsMade"] == 12  # 4 widths x JPEG, WebP, AVIF
    assert line["RenditionMilliseconds"] == line["ms"] >= 0


def test_a_rejection_counts_a_failure_by_reason(s3, capsys):  # noqa: F811
    s3.put_object(Bucket=BUCKET, Key="uploads/bad.jpg", Body=b"<svg/>")
    capsys.readouterr()
    route(put_event("uploads/bad.jpg"), CONTEXT)

    lines, _ = printed_lines(capsys)
    line = metric_documents(lines)["RenditionFailures"]
    assert (line["outcome"], line["level"], line["key"]) == ("rejected", "WARNING", "uploads/bad.jpg")
    assert directive(line)["Dimensions"] == [["service"], ["service", "reason"]]
    assert (line["reason"], line["RenditionFailures"]) == ("not_an_image", 1)
    assert "RenditionsMade" not in metric_documents(lines)


def test_a_duplicate_event_logs_the_same_outcome_again(s3, capsys):  # noqa: F811
    """S3 may deliver twice: the second line is another `done` for the same key, same bytes."""
    s3.put_object(Bucket=BUCKET, Key="uploads/twice.jpg", Body=jpeg())
    event = put_event("uploads/twice.jpg")
    route(event, CONTEXT)
    route(event, CONTEXT)
    lines, _ = printed_lines(capsys)
    assert [(x["outcome"], x["key"]) for x in lines if x.get("event_source") == "s3"] == [
        ("done", "uploads/twice.jpg"),
        ("done", "uploads/twice.jpg"),
    ]


def test_a_transient_failure_is_an_error_line_and_a_failure_metric(s3, capsys, monkeypatch):  # noqa: F811
    from thumbnails import objects
    from thumbnails.handler import TransientFailure

    def broken(self, key):
        raise ConnectionError("S3 unreachable")

    monkeypatch.setattr(objects.S3Objects, "read", broken)
    with pytest.raises(TransientFailure):
        route(put_event("uploads/x.jpg"), CONTEXT)
    lines, _ = printed_lines(capsys)
    line = metric_documents(lines)["RenditionFailures"]
    assert (line["outcome"], line["level"], line["reason"]) == ("failed", "ERROR", "transient")
    assert "S3 unreachable" in line["error"]
