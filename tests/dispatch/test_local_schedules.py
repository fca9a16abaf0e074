"""The one-minute schedules on the embedded defaults: `run_schedules` (and `make run`'s server,
which runs them on a thread) publishes due posts, finishes photos whose rendering was lost and
delivers again a subscriber's welcome that a killed server never delivered: the local mode
loses nothing AWS would not."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from blog.models import Photo, Post
from welcome import services
from welcome.store import get_store

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def tick():
    out = StringIO()
    call_command("run_schedules", "--once", stdout=out)
    return json.loads(out.getvalue())


def test_a_tick_announces_due_posts_and_finishes_stuck_photos(make_post, make_photo):
    post = make_post(publish_at=timezone.now() - timedelta(minutes=2))
    Post.objects.filter(pk=post.pk).update(announced_at=None)
    photo = make_photo(renditions=False)
    Photo.objects.filter(pk=photo.pk).update(pending_since=timezone.now() - timedelta(minutes=6))

    outcome = tick()

    assert outcome["blog.tasks.publish_due_posts"] == {"announced": [post.slug]}
    assert outcome["blog.tasks.refresh_photo_renditions"]["rendered_again"] == [
        {"photo": photo.pk, "outcome": "done"}
    ]
    photo.refresh_from_db()
    assert photo.renditions_status == "ready"


def test_a_welcome_a_killed_server_never_delivered_is_sent_once(monkeypatch, outbox):
    """The entry was written but its INSERT never reached the handler (as when the server
    dies between the two): the next tick after a minute delivers it, and only once."""
    monkeypatch.setenv("LOCAL_EVENTS", "false")
    services.subscribe("fresh@example.com")
    services.subscribe("lost@example.com", now=timezone.now() - timedelta(minutes=2))
    monkeypatch.setenv("LOCAL_EVENTS", "true")
    assert outbox() == []

    assert tick()["welcomes_redelivered"] == 1, "the fresh one may still be on its way"
    assert len(outbox()) == 1
    assert get_store().get("lost@example.com").welcome_sent_at
    assert get_store().get("fresh@example.com").welcome_sent_at is None
    assert tick()["welcomes_redelivered"] == 0
    assert len(outbox()) == 1


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_make_runs_server_runs_the_schedules(tmp_path):
    """`manage.py runserver` (what `make run` starts) runs a tick when it starts: a post that
    became due while no server was running is announced without anyone asking."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}},
        "DEBUG": "true",
        "VAR_DIR": str(tmp_path),
        "LOCAL_SCHEDULE_SECONDS": "1",
    }
    manage = [sys.executable, "manage.py"]

    def run(*args):
        return subprocess.run(
            [*manage, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    assert run("migrate", "--noinput").returncode == 0
    script = (
        "from datetime import timedelta; from django.utils import timezone; "
        "from django.contrib.auth.models import User; from blog.models import Post; "
        "u = User.objects.create_user('ada'); "
        "p = Post.objects.create(title='Due', slug='due', body='x', author=u, "
        "publish_at=timezone.now() - timedelta(minutes=1)); "
        "Post.objects.filter(pk=p.pk).update(announced_at=None)"
    )
    assert run("shell", "-c", script).returncode == 0
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{free_port()}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        check = "from blog.models import Post; print(Post.objects.get(slug='due').announced_at is not None)"
        deadline = time.monotonic() + 30
        announced = False
        while time.monotonic() < deadline and not announced:
            time.sleep(0.5)
            announced = run("shell", "-v", "0", "-c", check).stdout.strip() == "True"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    assert announced, server.stdout.read()[-3000:]


def test_a_quiet_minute_prints_nothing_and_news_prints_its_line(make_post, capsys):
    """`make run`'s console keeps the editor's login in view: a tick that did nothing prints
    nothing; one that announced a post prints that line."""
    tick()
    assert "event_source=schedule" not in capsys.readouterr().out

    post = make_post(publish_at=timezone.now() - timedelta(minutes=2))
    Post.objects.filter(pk=post.pk).update(announced_at=None)
    tick()
    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines() if line.startswith("event_source=schedule")]
    assert f"event_source=schedule task=publish_due_posts outcome=announced post={post.slug}" in lines
    [done] = [line for line in lines if "outcome=done" in line]
    assert done.startswith("event_source=schedule task=publish_due_posts outcome=done")
    assert done.endswith(f'announced=["{post.slug}"]')
    assert not [
        line for line in lines if "task=refresh_photo_renditions" in line or "task=delete_orphan" in line
    ]
