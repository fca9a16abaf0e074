"""Nothing lost after Lambda gives up: a photo still pending with no manifest (its S3 event
dropped, its rendering killed) is found by the minute schedule and rendered there, then
retried at growing intervals, and marked failed with the reason after the last attempt. The
admin shows how long it has waited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog import renditions
from blog.models import Photo
from blog.tasks import refresh_photo_renditions

pytestmark = pytest.mark.django_db


def waited(photo, minutes):
    Photo.objects.filter(pk=photo.pk).update(pending_since=timezone.now() - timedelta(minutes=minutes))


def test_a_photo_whose_event_never_came_is_rendered_by_the_schedule(make_photo):
    photo = make_photo(size=(700, 500), renditions=False)
    waited(photo, 6)

    result = refresh_photo_renditions()

    assert result["rendered_again"] == [{"photo": photo.pk, "outcome": "done"}]
    photo.refresh_from_db()
    assert photo.renditions_status == "ready"
    assert {(r["width"], r["format"]) for r in photo.renditions} == {
        (w, f) for w in (320, 640) for f in ("avif", "jpeg", "webp")
    }
    assert photo.render_attempts == 1
    assert refresh_photo_renditions()["rendered_again"] == [], "done once, not again"


def test_a_photo_still_within_its_first_minutes_is_left_to_its_event(make_photo):
    photo = make_photo(renditions=False)
    waited(photo, 2)

    assert refresh_photo_renditions()["rendered_again"] == []
    photo.refresh_from_db()
    assert (photo.renditions_status, photo.render_attempts) == ("pending", 0)


def test_a_manifest_that_came_late_is_read_not_rendered_again(make_photo, settings, monkeypatch):
    from thumbnails.objects import LocalObjects
    from thumbnails.rendering import render_object

    photo = make_photo(renditions=False)
    waited(photo, 30)
    render_object(LocalObjects(settings.MEDIA_ROOT), photo.image.name)  # the Lambda, late
    monkeypatch.setattr(renditions, "rerender", lambda photo: pytest.fail("rendered twice"))

    refresh_photo_renditions()

    photo.refresh_from_db()
    assert (photo.renditions_status, photo.render_attempts) == ("ready", 0)


def test_failures_are_retried_at_growing_intervals_then_given_up_with_the_reason(make_photo, monkeypatch):
    def broken(photo):
        raise ConnectionError("S3 unreachable")

    monkeypatch.setattr(renditions, "rerender", broken)
    photo = make_photo(renditions=False)
    waited(photo, 6)
    assert refresh_photo_renditions()["rendered_again"][0]["outcome"] == "failed"
    assert refresh_photo_renditions()["rendered_again"] == [], "not again a minute later"

    waited(photo, 11)  # 5 minutes, then 10 after the first attempt
    assert refresh_photo_renditions()["rendered_again"][0]["outcome"] == "failed"
    for minutes, attempts in ((21, 3), (41, 4), (81, 5)):
        waited(photo, minutes)
        refresh_photo_renditions()
        photo.refresh_from_db()
        assert photo.render_attempts == attempts

    waited(photo, 161)
    assert refresh_photo_renditions()["rendered_again"] == [{"photo": photo.pk, "outcome": "gave_up"}]
    photo.refresh_from_db()
    assert photo.renditions_status == "failed"
    assert photo.renditions_reason.startswith("gave_up: no renditions after 5 attempts")


def test_an_attempt_that_kills_the_process_still_counts(make_photo, monkeypatch):
    """The count is written before rendering: a photo that kills its renderer (out of
    memory) cannot be retried for ever."""

    def killed(photo):
        raise SystemExit("killed")

    monkeypatch.setattr(renditions, "rerender", killed)
    photo = make_photo(renditions=False)
    waited(photo, 6)

    with pytest.raises(SystemExit):
        refresh_photo_renditions()

    photo.refresh_from_db()
    assert photo.render_attempts == 1


def test_the_admin_shows_how_long_a_photo_has_waited(admin_client, make_photo, monkeypatch):
    monkeypatch.setattr(renditions, "rerender", lambda photo: {"status": "skipped"})
    photo = make_photo(renditions=False)
    waited(photo, 7)
    refresh_photo_renditions()

    html = admin_client.get("/admin/blog/photo/").content.decode()

    assert "Pending for 7\xa0minutes, rendered again 1x by the schedule" in html


def test_admin_pages_only_read_and_an_action_checks_on_request(admin_client, make_photo, settings):
    """Looking at the photo list writes nothing (the schedule records the handler's news);
    an editor who will not wait asks with the "check renditions" action, a POST."""
    from thumbnails.objects import LocalObjects
    from thumbnails.rendering import render_object

    photo = make_photo(renditions=False)
    render_object(LocalObjects(settings.MEDIA_ROOT), photo.image.name)  # the Lambda's work

    admin_client.get("/admin/blog/photo/")
    admin_client.get(f"/admin/blog/photo/{photo.pk}/change/")
    photo.refresh_from_db()
    assert photo.renditions_status == "pending", "a GET changed nothing"

    response = admin_client.post(
        "/admin/blog/photo/", {"action": "check_renditions", "_selected_action": [photo.pk]}, follow=True
    )
    assert "1 photo(s) had news of their renditions." in response.content.decode()
    photo.refresh_from_db()
    assert photo.renditions_status == "ready"
