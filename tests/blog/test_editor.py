"""The editor's desk in the admin, through HTTP as the browser uses it: the publishing panel
(Publish now, Schedule in the site's zone, Unpublish, Preview), the live preview, the photo
picker's list, "View on site", and what a failed upload says."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from blog.models import Photo, Post
from tests.blog.uploads import upload
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def form_data(post, **changes):
    return {
        "title": post.title,
        "slug": post.slug,
        "author": post.author_id,
        "summary": post.summary,
        "body": post.body,
        "cover": post.cover_id or "",
        "tags": [tag.pk for tag in post.tags.all()],
        **changes,
    }


def change(editor_client, post, **changes):
    return editor_client.post(f"/admin/blog/post/{post.pk}/change/", form_data(post, **changes))


def test_the_post_page_shows_its_status_and_the_buttons(editor_client, make_post, settings):
    settings.TIME_ZONE = "Europe/Paris"
    draft = make_post(state="draft")
    page = editor_client.get(f"/admin/blog/post/{draft.pk}/change/").content.decode()
    assert 'class="status status-draft">Draft<' in page and "Readers cannot see it." in page
    for name in ("_publish", "_schedule", "_preview"):
        assert f'name="{name}"' in page
    assert 'name="_unpublish"' not in page
    assert "In the site&#x27;s time zone (Europe/Paris, CE" in page
    assert 'type="datetime-local"' in page

    live = make_post(publish_at=datetime(2026, 7, 1, 8, 30, 15, 123456, tzinfo=ZoneInfo("UTC")))
    page = editor_client.get(f"/admin/blog/post/{live.pk}/change/").content.decode()
    # In the site's zone (UTC+2 in July), to the minute, with the zone: no microseconds.
    assert "since 1 Jul 2026, 10:30 CEST: readers can see it." in page
    assert 'name="_unpublish"' in page and 'name="_publish"' not in page
    assert ".123456" not in page and "123456" not in page


def test_publish_now_saves_the_edit_then_publishes(editor_client, client, make_post):
    post = make_post(state="draft", title="Draft title")
    response = change(editor_client, post, title="Final title", _publish="Publish now")
    assert response.status_code == 302 and response["Location"] == f"/admin/blog/post/{post.pk}/change/"
    post.refresh_from_db()
    assert post.title == "Final title" and post.status == Post.Status.PUBLISHED
    assert post.publish_at.microsecond == 0
    assert client.get(f"/posts/{post.slug}/").status_code == 200
    messages = editor_client.get(response["Location"]).content.decode()
    assert "“Final title” is published" in messages


def test_schedule_reads_the_time_in_the_sites_zone(editor_client, client, make_post, settings):
    settings.TIME_ZONE = "America/New_York"
    post = make_post(state="draft")
    local = timezone.localtime(timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    typed = local.strftime("%Y-%m-%dT%H:%M")
    response = change(editor_client, post, schedule_at=typed, _schedule="Schedule")
    assert response.status_code == 302, response.content.decode()[:3000]
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.publish_at == local  # the same instant: typed in New York's time
    assert post.publish_at.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M") == typed
    assert client.get(f"/posts/{post.slug}/").status_code == 404
    page = editor_client.get(response["Location"]).content.decode()
    assert f'value="{typed}"' in page  # shown again as typed
    assert re.search(r"is scheduled for \d+ \w+ \d{4}, \d\d:\d\d E[SD]T", page)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Choose the date and time to publish at."),
        ("2001-01-01T10:00", "has passed"),
        ("soon", "Enter a valid"),
    ],
)
def test_schedule_refuses_a_missing_past_or_bad_time_and_loses_nothing(
    editor_client, make_post, typed, error
):
    post = make_post(state="draft")
    response = change(editor_client, post, title="Edited title", schedule_at=typed, _schedule="Schedule")
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page and "Edited title" in page  # the edit is still in the form
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT and post.title != "Edited title"


def test_a_time_that_does_not_exist_in_the_zone_is_refused(editor_client, make_post, settings):
    """02:30 on the night clocks go forward does not exist in Paris: no guess is made."""
    settings.TIME_ZONE = "Europe/Paris"
    post = make_post(state="draft")
    year = timezone.now().year + 1
    # The last Sunday of March.
    day = max(d for d in range(25, 32) if datetime(year, 3, d).weekday() == 6)
    response = change(editor_client, post, schedule_at=f"{year}-03-{day:02d}T02:30", _schedule="Schedule")
    assert response.status_code == 200
    assert "be interpreted in time zone Europe/Paris" in response.content.decode()


def test_unpublish_takes_it_back_to_draft(editor_client, client, make_post):
    post = make_post()
    response = change(editor_client, post, _unpublish="Unpublish")
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert client.get(f"/posts/{post.slug}/").status_code == 404


def test_a_new_post_can_be_published_from_the_add_page(editor_client, editor, client):
    response = editor_client.post(
        "/admin/blog/post/add/",
        {"title": "Straight out", "slug": "straight-out", "author": editor.pk, "body": "Hi", "_publish": "1"},
    )
    assert response.status_code == 302
    assert client.get("/posts/straight-out/").status_code == 200


def test_save_never_publishes(editor_client, make_post):
    """The panel's buttons come after Save: pressing Enter in a field saves a draft."""
    post = make_post(state="draft")
    page = editor_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    form = page.split('id="post_form"', 1)[1]
    first_submit = re.search(r'<(?:input|button)[^>]*type="submit"[^>]*>', form).group(0)
    assert 'name="_save"' in first_submit
    change(editor_client, post, _save="Save", schedule_at="2099-01-01T10:00")
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("draft", "/preview/posts/{pk}/"),
        ("scheduled", "/preview/posts/{pk}/"),
        ("published", "/posts/{slug}/"),
    ],
)
def test_view_on_site_goes_where_the_post_can_be_seen(editor_client, make_post, state, expected):
    post = make_post(state=state)
    page = editor_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    link = re.search(r'<a href="([^"]+)" class="viewsitelink">', page).group(1)
    assert link == expected.format(pk=post.pk, slug=post.slug)
    shown = editor_client.get(link)
    assert shown.status_code == 200 and post.title in shown.content.decode()


def test_the_preview_renders_the_form_as_it_stands_like_the_published_page(
    editor_client, client, make_post, make_photo
):
    """Unsaved text, through the same renderer and sanitiser: once saved and published, the
    reader's page has the very same body."""
    photo = make_photo()
    post = make_post(state="draft", tags=["Travel"])
    body = f"## Fresh\n\n```python\nprint('hi')\n```\n\n![](photo:{photo.pk})\n\n<script>alert(1)</script>"
    response = editor_client.post(
        "/admin/blog/post/preview/",
        {**form_data(post, body=body, title="Unsaved title"), "_post_id": post.pk},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    preview = response.content.decode()
    assert "Unsaved title" in preview and "Preview of unsaved changes" in preview
    assert '<link rel="stylesheet" href="/static/blog/site.css">' in preview
    assert '<link rel="stylesheet" href="/static/blog/code.css">' in preview
    assert "<script>alert" not in preview
    preview_body = preview.split('<div class="body">', 1)[1].split("</div>", 1)[0]
    assert '<code class="language-python"><span class="nb">print</span>' in preview_body
    assert "<picture>" in preview_body

    change(editor_client, post, body=body, _publish="1")
    post.refresh_from_db()
    published = client.get(f"/posts/{post.slug}/").content.decode()
    assert published.split('<div class="body">', 1)[1].split("</div>", 1)[0] == preview_body
    assert client.get(f"/posts/{post.slug}/").content.decode().count("Travel") >= 1


def test_the_live_pane_gets_the_article_alone_and_notes_what_cannot_show(editor_client, editor):
    response = editor_client.post(
        "/admin/blog/post/preview/",
        {"title": "T", "body": "![](photo:424242)", "author": editor.pk, "_pane": "1"},
    )
    page = response.content.decode()
    assert "site-header" not in page and "site-footer" not in page
    assert "Photo 424242 does not exist." in page
    too_deep = editor_client.post(
        "/admin/blog/post/preview/", {"title": "T", "body": "<div>" * 200, "_pane": "1"}
    )
    assert "nests elements more than 100 levels deep" in too_deep.content.decode()


def test_preview_and_photo_list_are_for_editors_only(editor_client):
    from django.test import Client

    client = Client()
    assert client.post("/admin/blog/post/preview/", {"body": "x"}).status_code == 302
    assert client.get("/admin/blog/post/photos/").status_code == 302
    assert editor_client.get("/admin/blog/post/preview/").status_code == 405


def test_the_picker_lists_renditions_never_the_upload(
    editor_client, make_photo, django_capture_on_commit_callbacks
):
    ready = make_photo(alt_text="Harbour at dawn", size=(700, 500))
    pending = make_photo(alt_text="Still processing", renditions=False)
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            "/admin/blog/photo/add/",
            {
                "image": SimpleUploadedFile("cut.jpg", jpeg_bytes((900, 600))[:1500], "image/jpeg"),
                "alt_text": "Broken one",
            },
        )
    data = editor_client.get("/admin/blog/post/photos/").json()
    by_alt = {photo["alt"]: photo for photo in data["results"]}
    assert by_alt["Harbour at dawn"]["thumb"].endswith("/320.jpg")
    assert "/renditions/" in by_alt["Harbour at dawn"]["thumb"]
    assert by_alt["Harbour at dawn"]["markdown"] == f"![](photo:{ready.pk})"
    assert by_alt["Still processing"]["thumb"] is None and by_alt["Still processing"]["insertable"]
    if "Broken one" in by_alt:
        assert by_alt["Broken one"]["insertable"] is False and by_alt["Broken one"]["status"] == "failed"
    assert "/uploads/" not in str(data)
    assert [p["alt"] for p in editor_client.get("/admin/blog/post/photos/?q=dawn").json()["results"]] == [
        "Harbour at dawn"
    ]
    assert pending.pk in {p["id"] for p in data["results"]}


# Real commits: the renditions are made when the upload commits, and the message follows them.
@pytest.mark.django_db(transaction=True)
def test_a_failed_upload_says_so_and_is_not_offered_as_a_cover(
    editor_client, make_photo, make_post, django_capture_on_commit_callbacks
):
    """A JPEG cut short passes the form's header check, then its renditions fail: the editor
    sees an error with the reason, not a green success, and it is never offered as a cover."""
    with django_capture_on_commit_callbacks(execute=True):
        key = upload(editor_client, editor_client, jpeg_bytes((900, 600))[:1500], "cut.jpg")
        response = editor_client.post(
            "/admin/blog/photo/add/", {"image": key, "alt_text": "Cut", "caption": ""}, follow=True
        )
    page = response.content.decode()
    failed = Photo.objects.get(alt_text="Cut")
    assert failed.renditions_status == "failed"
    assert 'class="error"' in page and "could not be made into pictures" in page
    assert "was added successfully" not in page

    good = make_photo(alt_text="Good one")
    post = make_post()
    found = editor_client.get(
        "/admin/autocomplete/", {"app_label": "blog", "model_name": "post", "field_name": "cover", "term": ""}
    ).json()
    offered = {item["text"] for item in found["results"]}
    assert "Good one" in offered and "Cut" not in offered
    refused = change(editor_client, post, cover=failed.pk)
    assert refused.status_code == 200 and "cannot be a cover" in refused.content.decode()
    assert change(editor_client, post, cover=good.pk).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_good_upload_still_gets_its_success_message(editor_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        key = upload(editor_client, editor_client, jpeg_bytes((700, 500)), "ok.jpg")
        response = editor_client.post(
            "/admin/blog/photo/add/", {"image": key, "alt_text": "Fine", "caption": ""}, follow=True
        )
    page = response.content.decode()
    assert "was added successfully" in page and 'class="error"' not in page
