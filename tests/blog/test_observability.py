"""What the HTTP and schedule entry points print for ops: one line per request (method,
path, status, duration, Lambda request id) and per scheduled run, plus the invalidation metric."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from blog import tasks
from common import aws
from tests.emf import directive, metric_documents, printed_lines

pytestmark = pytest.mark.django_db
CONTEXT = SimpleNamespace(aws_request_id="http-req-1")


@pytest.fixture(autouse=True)
def _json_lines(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")


def test_a_request_logs_method_path_status_duration_and_request_id(client, capsys):
    capsys.readouterr()
    client.get("/robots.txt", **{"lambda.context": CONTEXT})

    [line] = [x for x in printed_lines(capsys)[0] if x.get("event_source") == "http"]
    assert (line["method"], line["path"], line["status"], line["outcome"]) == (
        "GET",
        "/robots.txt",
        200,
        "ok",
    )
    assert line["request_id"] == "http-req-1"
    assert line["ms"] >= 0


def test_token_links_are_logged_without_their_token(client, capsys):
    capsys.readouterr()
    client.get("/confirm/c2VjcmV0LXRva2Vu/")
    [line] = [x for x in printed_lines(capsys)[0] if x.get("event_source") == "http"]
    assert line["path"] == "/confirm/…/" and line["status"] == 400


def test_a_subscribe_post_logs_the_hash_never_the_address(client, capsys):
    capsys.readouterr()
    client.post("/subscribe/", {"email": "jane.doe@example.com", "website": ""})
    lines, out = printed_lines(capsys)
    assert "jane.doe" not in out
    subscription = metric_documents(lines)["Subscriptions"]
    assert subscription["event_source"] == "http" and subscription["path"] == "/subscribe/"


def test_a_scheduled_run_logs_its_task_outcome_and_what_it_announced(
    make_post, capsys, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.CLOUDFRONT_DISTRIBUTION_ID = "E123"
    calls = []
    cloudfront = SimpleNamespace(
        create_invalidation=lambda **kw: calls.append(kw) or {"Invalidation": {"Id": "I1"}}
    )
    monkeypatch.setattr(aws, "client", lambda service, region=None: cloudfront)
    from blog.models import Post

    post = make_post(state="scheduled")
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    capsys.readouterr()

    with django_capture_on_commit_callbacks(execute=True):
        tasks.publish_due_posts({"source": "aws.events"}, SimpleNamespace(aws_request_id="sched-1"))

    lines, _ = printed_lines(capsys)
    schedule = [x for x in lines if x.get("event_source") == "schedule"]
    assert {x["task"] for x in schedule} == {"publish_due_posts"}
    assert all(x["request_id"] == "sched-1" for x in schedule)
    assert [x["post"] for x in schedule if x["outcome"] == "announced"] == [post.slug]
    done = schedule[-1]
    assert (done["outcome"], done["announced"]) == ("done", [post.slug])
    invalidation = metric_documents(lines)["Invalidations"]
    assert directive(invalidation)["Metrics"] == [{"Name": "Invalidations", "Unit": "Count"}]
    assert invalidation["invalidation"] == "I1" and len(calls) == 1


def test_a_failing_scheduled_run_logs_an_error_and_raises(monkeypatch, capsys):
    def broken(event=None, context=None):
        raise RuntimeError("database away")

    run = tasks.scheduled(broken)
    with pytest.raises(RuntimeError):
        run({}, None)
    [line] = printed_lines(capsys)[0]
    assert (line["event_source"], line["task"], line["outcome"], line["level"]) == (
        "schedule",
        "broken",
        "failed",
        "ERROR",
    )
