"""Staff see only what their permissions allow, not everything `is_staff` opens: draft
previews need the right to change posts; the events journal and the subscribers (and their
CSV export) have permissions of their own; the Editors group has what editors need."""

import pytest

pytestmark = pytest.mark.django_db
EVENTS = "/admin/events/recent/"
SUBSCRIBERS = "/admin/welcome/subscribers/"


@pytest.fixture
def draft(make_post):
    return make_post(state="draft", title="Secret plans")


def test_staff_without_permissions_see_nothing_private(staff_client, draft):
    client = staff_client()
    assert client.get(draft.get_preview_url()).status_code == 403
    assert client.get(EVENTS).status_code == 403
    assert client.get(SUBSCRIBERS).status_code == 403
    assert client.get(SUBSCRIBERS, {"format": "csv"}).status_code == 403
    index = client.get("/admin/").content.decode()
    assert EVENTS not in index and SUBSCRIBERS not in index


def test_viewing_posts_is_not_enough_to_preview_a_draft(staff_client, draft):
    assert staff_client("blog.view_post").get(draft.get_preview_url()).status_code == 403


def test_changing_posts_allows_previews(staff_client, draft):
    response = staff_client("blog.change_post").get(draft.get_preview_url())
    assert response.status_code == 200
    assert "Secret plans" in response.content.decode()


def test_seeing_subscribers_does_not_allow_exporting_them(staff_client):
    client = staff_client("welcome.view_subscribers")
    page = client.get(SUBSCRIBERS)
    assert page.status_code == 200
    assert "format=csv" not in page.content.decode(), "no export link without the permission"
    assert client.get(SUBSCRIBERS, {"format": "csv"}).status_code == 403
    assert SUBSCRIBERS in client.get("/admin/").content.decode()
    assert EVENTS not in client.get("/admin/").content.decode()


def test_exporting_needs_its_own_permission(staff_client):
    client = staff_client("welcome.view_subscribers", "welcome.export_subscribers")
    response = client.get(SUBSCRIBERS, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_the_journal_has_its_own_permission(staff_client):
    client = staff_client("blog.view_event_journal")
    assert client.get(EVENTS).status_code == 200
    assert client.get(SUBSCRIBERS).status_code == 403


def test_editors_write_and_preview_but_see_no_subscribers_or_journal(editor_client, draft):
    """The Editors group: posts, photos, tags and author profiles, and so previews; not the
    subscriber list (addresses), nor the operations journal."""
    assert editor_client.get(draft.get_preview_url()).status_code == 200
    assert editor_client.get("/admin/blog/post/add/").status_code == 200
    assert editor_client.get(EVENTS).status_code == 403
    assert editor_client.get(SUBSCRIBERS).status_code == 403


def test_superusers_see_everything(client, draft):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    for url in (draft.get_preview_url(), EVENTS, SUBSCRIBERS, SUBSCRIBERS + "?format=csv"):
        assert client.get(url).status_code == 200, url
