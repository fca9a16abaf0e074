"""Ops on the embedded defaults: the journal of locally delivered events (admin page and
`recent_events`), and `rerender_photos`."""

import io

import pytest
from django.core.management import CommandError, call_command

from blog.models import Photo
from common import journal
from common.observe import subscriber_hash

pytestmark = pytest.mark.django_db
URL = "/admin/events/recent/"


def entries(settings):
    return journal.recent(journal.journal_path(settings.VAR_DIR))


def test_an_upload_and_a_subscription_are_journalled_with_their_outcome(settings, make_photo, client):
    photo = make_photo()
    client.post("/subscribe/", {"email": "jane@example.com", "website": ""})

    stream, upload = entries(settings)
    assert (upload["source"], upload["summary"], upload["outcome"]) == ("aws:s3", photo.image.name, "done")
    assert upload["error"] is None and upload["ms"] >= 0
    assert stream["source"] == "aws:dynamodb"
    assert stream["summary"] == f"INSERT subscriber {subscriber_hash('jane@example.com')}"
    assert stream["outcome"] == "sent"
    assert "jane" not in str(stream)


def test_a_failed_delivery_is_journalled_with_its_error(settings, make_photo, monkeypatch):
    from thumbnails import handler

    def broken(objects, key):
        raise OSError("disk full")

    monkeypatch.setattr(handler, "render_object", broken)  # what the S3 handler calls
    make_photo()
    [entry] = entries(settings)
    assert entry["outcome"] == "failed"
    assert "disk full" in entry["error"]


def test_staff_see_recent_events_in_the_admin(settings, make_photo, staff_client):
    """With `blog.view_event_journal` (see tests/blog/test_permissions.py for without)."""
    photo = make_photo()
    client = staff_client("blog.view_event_journal")
    response = client.get(URL)
    assert response.status_code == 200
    assert photo.image.name in response.content.decode()
    assert "Recent events" in client.get("/admin/").content.decode()


def test_others_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_recent_events_command_lists_newest_first(settings, make_photo):
    first, second = make_photo(), make_photo()
    out = io.StringIO()
    call_command("recent_events", stdout=out)
    lines = out.getvalue().splitlines()
    assert second.image.name in lines[0] and first.image.name in lines[1]
    assert all("aws:s3" in line and "done" in line for line in lines)


def test_the_journal_keeps_only_the_newest_entries(tmp_path):
    path = tmp_path / "events.jsonl"
    for n in range(25):
        journal.append(path, {"n": n}, keep=10)
    kept = journal.recent(path, limit=100)
    assert [e["n"] for e in kept][:3] == [24, 23, 22]
    assert len(path.read_text().splitlines()) < 20


def test_rerender_makes_a_pending_photos_renditions(make_photo):
    photo = make_photo(renditions=False)
    assert photo.renditions_status == Photo.Renditions.PENDING
    out = io.StringIO()

    call_command("rerender_photos", str(photo.pk), stdout=out)

    photo.refresh_from_db()
    assert photo.renditions_status == Photo.Renditions.READY
    assert f"photo {photo.pk}: done" in out.getvalue()


def test_rerender_all_after_a_change_of_sizes(make_photo, monkeypatch):
    import functools

    from thumbnails import rendering

    photos = [make_photo(size=(1400, 900)), make_photo(size=(1400, 900))]
    assert {r["width"] for r in photos[0].renditions} == {320, 640, 960, 1280}
    monkeypatch.setattr(
        rendering, "render_renditions", functools.partial(rendering.render_renditions, widths=(400, 800))
    )

    call_command("rerender_photos", "--all", stdout=io.StringIO())

    for photo in photos:
        photo.refresh_from_db()
        assert {r["width"] for r in photo.renditions} == {400, 800}


def test_rerender_reports_a_rejected_photo_and_fails(make_photo, settings):
    photo = make_photo(renditions=False)
    (settings.MEDIA_ROOT / photo.image.name).write_bytes(b"not an image")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 photo"):
        call_command("rerender_photos", str(photo.pk), stdout=out)
    assert f"photo {photo.pk}: rejected (not_an_image)" in out.getvalue()
    photo.refresh_from_db()
    assert photo.renditions_status == Photo.Renditions.FAILED


def test_rerender_needs_ids_or_all_and_known_ids():
    with pytest.raises(CommandError, match="ids, or --all"):
        call_command("rerender_photos")
    with pytest.raises(CommandError, match="No photo with id 999"):
        call_command("rerender_photos", "999")
