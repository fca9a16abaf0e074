"""The admin for editors, through HTTP as an editor uses it."""

import re

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_only_staff_get_in(client, make_author):
    """A reader's account, even with a password, cannot open the admin."""
    client.force_login(make_author("reader"))
    response = client.get("/admin/blog/post/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_post_list_shows_status_and_author(editor_client, make_author, make_post):
    """The list shows each post's status and who wrote it, and a preview link."""
    ada = make_author("ada", "Ada")
    draft = make_post(state="draft", title="A draft", author=ada)
    make_post(state="scheduled", title="A scheduled one")
    make_post(title="A live one")
    html = editor_client.get("/admin/blog/post/").content.decode()
    assert "status-draft" in html and "status-scheduled" in html and "status-published" in html
    assert ">ada<" in html
    assert f'href="/preview/posts/{draft.pk}/"' in html


@pytest.mark.parametrize(
    ("status", "title"), [("draft", "A draft"), ("scheduled", "Later"), ("published", "Live")]
)
def test_filter_by_status(editor_client, make_post, status, title):
    """The status filter shows only posts in that state."""
    make_post(state="draft", title="A draft")
    make_post(state="scheduled", title="Later")
    make_post(title="Live")
    html = editor_client.get(f"/admin/blog/post/?status={status}").content.decode()
    shown = set(re.findall(r'class="field-title"><a [^>]*>([^<]+)</a>', html))
    assert shown == {title}


def test_filters_search_and_date_hierarchy_work(editor_client, make_post):
    """Tag and author filters, search and the date hierarchy all answer."""
    post = make_post(title="Findable", tags=["Food"])
    assert "Findable" in editor_client.get("/admin/blog/post/?q=Findable").content.decode()
    assert (
        "Findable"
        in editor_client.get(f"/admin/blog/post/?tags__id__exact={post.tags.get().pk}").content.decode()
    )
    assert (
        "Findable"
        in editor_client.get(f"/admin/blog/post/?author__id__exact={post.author.pk}").content.decode()
    )
    year = post.publish_at.year
    assert "Findable" in editor_client.get(f"/admin/blog/post/?publish_at__year={year}").content.decode()


def test_editor_writes_a_post_with_slug_prefilled(editor_client, editor):
    """The add form pre-fills the slug from the title and the author with the editor; saving
    without a publish time makes a draft readers cannot see."""
    form = editor_client.get("/admin/blog/post/add/").content.decode()
    assert "prepopulated_fields" in form or "data-prepopulated-fields" in form
    assert re.search(rf'<option value="{editor.pk}" selected>', form)

    response = editor_client.post(
        "/admin/blog/post/add/",
        {
            "title": "My first post",
            "slug": "my-first-post",
            "author": editor.pk,
            "summary": "",
            "body": "# Hi",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert editor_client.get("/posts/my-first-post/").status_code == 404


def test_publish_and_unpublish_bulk_actions(editor_client, client, make_post):
    """Publish makes drafts live now and keeps a live post's date; unpublish takes them back."""
    draft = make_post(state="draft", title="Draft one")
    live = make_post(title="Already live")
    original_date = live.publish_at

    editor_client.post(
        "/admin/blog/post/", {"action": "publish_now", "_selected_action": [draft.pk, live.pk]}
    )
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.publish_at is not None and draft.publish_at <= timezone.now()
    assert live.publish_at == original_date
    assert client.get(f"/posts/{draft.slug}/").status_code == 200

    editor_client.post("/admin/blog/post/", {"action": "unpublish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.publish_at is None
    assert client.get(f"/posts/{draft.slug}/").status_code == 404


def test_preview_is_for_staff_only(editor_client, make_post):
    """Staff see a draft at its preview URL, marked as a preview and not indexed; readers are
    sent to log in."""
    post = make_post(state="draft", title="Work in progress")
    response = editor_client.get(f"/preview/posts/{post.pk}/")
    assert response.status_code == 200
    assert "Work in progress" in response.content.decode()
    assert "Preview" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"

    anonymous = Client().get(f"/preview/posts/{post.pk}/")
    assert anonymous.status_code == 302
    assert "Work in progress" not in anonymous.content.decode()


def test_authors_see_who_wrote_what(editor_client, make_author, make_post):
    """Author profiles list how many posts each author wrote."""
    ada = make_author("ada", "Ada Lindqvist")
    make_post(author=ada)
    make_post(author=ada)
    html = editor_client.get("/admin/blog/authorprofile/").content.decode()
    assert "Ada Lindqvist" in html
    assert re.search(r'class="field-post_count">2<', html)
