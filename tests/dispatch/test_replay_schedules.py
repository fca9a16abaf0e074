"""A schedule's run that Lambda gave up on reaches the failed-records queue as an on-failure
destination record (`requestPayload` is the scheduled event); `replay_failed` runs the task it
names, and only a task the schedules really run."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from blog.models import Post

pytestmark = pytest.mark.django_db


def scheduled_event(task, function="blog-prod"):
    """EventBridge's scheduled event for Zappa's rule `<function>-<task>`."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-30T06:00:00Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:events:eu-west-1:123456789012:rule/{function}-{task}"],
        "detail": {},
    }


def on_failure(event):
    return {
        "version": "1.0",
        "timestamp": "2026-11-30T06:03:00.000Z",
        "requestContext": {
            "requestId": "e4b2e0b5-request",
            "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:blog-prod:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "database unreachable", "errorType": "OperationalError"},
    }


def replay_file(tmp_path, body):
    path = tmp_path / "failed.json"
    path.write_text(json.dumps(body))
    out = io.StringIO()
    call_command("replay_failed", file=path, stdout=out)
    return out.getvalue()


def test_a_failed_run_of_the_due_posts_schedule_is_run_again(tmp_path, make_post):
    """The post that became due while the schedule was failing is announced by the replay."""
    post = make_post(publish_at=timezone.now() - timedelta(minutes=3))
    Post.objects.filter(pk=post.pk).update(announced_at=None)

    out = replay_file(tmp_path, on_failure(scheduled_event("blog.tasks.publish_due_posts")))

    assert "failed.json: succeeded" in out
    assert "ok       schedule" in out
    post.refresh_from_db()
    assert post.announced_at == post.publish_at


def test_a_scheduled_event_naming_another_task_is_not_run(tmp_path):
    with pytest.raises(CommandError, match="failed again"):
        replay_file(tmp_path, on_failure(scheduled_event("os.system")))


def test_an_event_that_is_neither_records_nor_a_schedule_fails(tmp_path):
    with pytest.raises(CommandError, match="failed again"):
        replay_file(tmp_path, on_failure({"httpMethod": "GET", "path": "/"}))
