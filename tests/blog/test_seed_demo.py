"""`make run`'s demo content: loaded the first time, never twice, with a working editor."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_once_and_prints_a_working_login(client, settings, tmp_path, capsys):
    """Posts in every state, tags, photos and two authors appear once; the printed editor
    credentials log in to the admin; a second run loads nothing more."""
    from blog.models import AuthorProfile, Photo, Post, Tag

    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (Post.objects.count(), Photo.objects.count(), Tag.objects.count())
    call_command("seed_demo")
    second = capsys.readouterr().out

    assert counts[0] >= 5 and counts[1] >= 3 and counts[2] >= 3
    assert (Post.objects.count(), Photo.objects.count(), Tag.objects.count()) == counts
    assert Post.objects.drafts().exists() and Post.objects.scheduled().exists()
    # Recorded dimensions: without them every page listing a photo opens its file (an S3 GET).
    assert not Photo.objects.filter(width__isnull=True).exists()
    assert not Photo.objects.filter(height__isnull=True).exists()
    assert AuthorProfile.objects.filter(user__posts__isnull=False).distinct().count() == 2
    assert "nothing loaded" in second

    password = first.split("password: ")[1].split()[0]
    assert password in second
    login = client.post("/admin/login/", {"username": "editor", "password": password})
    assert login.status_code == 302, "the printed login works on the admin's login page"
    assert client.get("/admin/blog/post/").status_code == 200
    assert client.get("/").content.decode().count('class="post-card"') == Post.objects.published().count()


def test_make_runs_server_prints_the_login_last(settings, tmp_path):
    """`make run` serves with `manage.py devserver`: after Django's start-up lines, the last
    thing on the screen is the editor's login, readable, not buried under event lines."""
    from io import StringIO

    from dispatch.management.commands.devserver import Command

    settings.VAR_DIR = tmp_path
    (tmp_path / "editor-password.txt").write_text("s3cret-pass\n")
    out = StringIO()
    command = Command(stdout=out, no_color=True)
    command.addr, command.protocol, command._raw_ipv6 = "127.0.0.1", "http", False
    command.on_bind(8000)
    lines = out.getvalue().rstrip().splitlines()
    assert any("Starting development server at http://127.0.0.1:8000/" in line for line in lines)
    assert lines[-4].startswith("| The admin:  http://127.0.0.1:8000/admin/ ")
    assert lines[-3].startswith("| User:       editor ")
    assert lines[-2].startswith("| Password:   s3cret-pass") and lines[-1].startswith("+---")


def test_local_event_answers_are_not_dumped_on_the_console(caplog, make_photo):
    """Each delivered event prints its one outcome line; the handler's whole answer (every
    rendition's key and size) is for DEBUG only."""
    import logging

    with caplog.at_level(logging.INFO, logger="dispatch.local"):
        make_photo()
    assert not [r for r in caplog.records if r.name == "dispatch.local" and r.levelno >= logging.INFO]
