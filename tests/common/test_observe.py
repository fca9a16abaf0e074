"""common.observe: the outcome line every entry point prints, JSON on Lambda (a log record
that is also a CloudWatch EMF document) and readable text locally."""

import json
from types import SimpleNamespace

from common import observe
from tests.emf import directive, printed_lines


def test_json_line_carries_scope_request_id_and_an_emf_document(capsys, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "blog-prod")
    context = SimpleNamespace(aws_request_id="req-123")
    with observe.scope("s3", context):
        observe.emit(
            "rejected", key="uploads/a.jpg", metrics={"RenditionFailures": 1}, dimensions={"reason": "empty"}
        )

    [line], _ = printed_lines(capsys)
    assert line["event_source"] == "s3"
    assert line["request_id"] == "req-123"
    assert line["key"] == "uploads/a.jpg"
    assert line["outcome"] == "rejected"
    assert line["service"] == "blog-prod"
    emf = directive(line)
    assert emf["Namespace"] == "Blog"
    assert emf["Dimensions"] == [["service"], ["service", "reason"]]
    assert emf["Metrics"] == [{"Name": "RenditionFailures", "Unit": "Count"}]
    assert line["RenditionFailures"] == 1 and line["reason"] == "empty"
    assert isinstance(line["_aws"]["Timestamp"], int)


def test_locally_the_same_record_is_readable_text(capsys, monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    with observe.scope("s3"):
        observe.emit("done", key="uploads/my photo.jpg", ms=412)

    out = capsys.readouterr().out.strip()
    assert out == 'event_source=s3 outcome=done key="uploads/my photo.jpg" ms=412'
    assert not out.startswith("{")


def test_a_scope_ends_with_its_block(capsys, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    with observe.scope("schedule", task="a"):
        pass
    observe.emit("done")
    [line], _ = printed_lines(capsys)
    assert "event_source" not in line and "task" not in line


def test_subscriber_hash_is_stable_salted_and_not_the_address(monkeypatch):
    monkeypatch.setenv("LOG_HASH_SALT", "one")
    first = observe.subscriber_hash("Jane@Example.com")
    assert first == observe.subscriber_hash(" jane@example.com ")
    assert len(first) == 16 and "jane" not in first
    monkeypatch.setenv("LOG_HASH_SALT", "two")
    assert observe.subscriber_hash("jane@example.com") != first


def test_collect_hands_back_what_was_emitted(capsys):
    with observe.collect() as records:
        observe.emit("sent", sequence="1")
    assert [r["outcome"] for r in records] == ["sent"]
    assert json.dumps(records[0])
