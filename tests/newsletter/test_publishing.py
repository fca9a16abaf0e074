"""The promise the subscribe form makes, kept on the embedded defaults: a post going live
through any public way (Publish now on its page, the list's bulk action, its scheduled time
coming) emails it once to each confirmed subscriber, and to nobody else; nothing makes it go
twice. Real commits: the app delivers the queue's messages once the publishing commits."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from blog.models import Post
from newsletter.models import Newsletter
from tests.blog.test_editor import change as change_unticked
from tests.newsletter.conftest import recipients

pytestmark = pytest.mark.django_db(transaction=True)
EVERYONE = {
    "ann": "confirmed",
    "bob": "confirmed",
    "pen": "pending",
    "una": "unsubscribed",
    "sue": "suppressed",
}
CONFIRMED = ["ann@example.com", "bob@example.com"]


def change(editor_client, post, **changes):
    """The post's admin form as the editor sends it, "Email this post to subscribers" ticked
    (as it is by default) unless `email_subscribers` says otherwise."""
    changes.setdefault("email_subscribers", "on")
    return change_unticked(editor_client, post, **{k: v for k, v in changes.items() if v is not None})


def tick():
    call_command("run_schedules", "--once", stdout=StringIO())


def test_publish_now_emails_each_confirmed_subscriber_once(editor_client, make_post, readers, newsletters):
    readers(**EVERYONE)
    post = make_post(state="draft", title="Harbour at dawn")

    response = change(editor_client, post, _publish="Publish now")

    assert response.status_code == 302
    sent = newsletters()
    assert recipients(sent) == CONFIRMED, "pending, unsubscribed and suppressed readers get nothing"
    assert {str(m["Subject"]) for m in sent} == {"Harbour at dawn"}
    newsletter = Newsletter.objects.get(post=post)
    assert (newsletter.recipients, newsletter.sent, newsletter.failed, newsletter.suppressed) == (2, 2, 0, 1)
    assert newsletter.state == Newsletter.State.SENT

    # The post's page says so, and the choice can no longer be changed.
    page = editor_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert "newsletter-state-sent" in page and "2 of 2 subscriber(s) emailed." in page
    assert re.search(
        r"<dt>Sent</dt><dd>2</dd>.*<dt>Failed</dt><dd>0</dd>.*<dt>Suppressed</dt><dd>1</dd>", page, re.S
    )
    assert 'name="email_subscribers"' not in page


def test_the_bulk_action_emails_each_post_once_to_each_subscriber(
    editor_client, make_post, readers, newsletters
):
    readers(ann="confirmed", bob="confirmed")
    first, second = make_post(state="draft", title="First"), make_post(state="draft", title="Second")

    editor_client.post(
        "/admin/blog/post/", {"action": "publish_now", "_selected_action": [first.pk, second.pk]}
    )

    sent = sorted((str(m["Subject"]), str(m["To"])) for m in newsletters())
    assert sent == [
        ("First", "ann@example.com"), ("First", "bob@example.com"),
        ("Second", "ann@example.com"), ("Second", "bob@example.com"),
    ]  # fmt: skip


def test_a_scheduled_post_is_emailed_when_the_minute_schedule_finds_it_due(
    editor_client, make_post, readers, newsletters
):
    readers(ann="confirmed", pen="pending")
    post = make_post(state="draft", title="Coming soon")
    when = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    assert change(editor_client, post, schedule_at=when, _schedule="Schedule").status_code == 302
    tick()
    assert newsletters() == [], "not before its time"

    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(seconds=5))  # time passes
    tick()
    tick()

    assert recipients(newsletters()) == ["ann@example.com"]


def test_a_scheduled_post_saved_after_it_came_due_is_emailed_once(
    editor_client, make_post, readers, newsletters
):
    """An editor's save found the post due before the schedule did: the save announces it,
    and the newsletter goes then (the schedule, finding it announced, sends nothing more)."""
    readers(ann="confirmed")
    post = make_post(state="scheduled", title="Due already")
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(seconds=5))
    post.refresh_from_db()

    change(editor_client, post, title="Due already (typo fixed)", _save="Save")
    tick()

    assert [str(m["Subject"]) for m in newsletters()] == ["Due already (typo fixed)"]


def test_editing_unpublishing_and_republishing_send_nothing_more(
    editor_client, make_post, readers, newsletters
):
    readers(ann="confirmed")
    post = make_post(state="draft")
    change(editor_client, post, _publish="1")
    post.refresh_from_db()

    change(editor_client, post, title="Edited", _save="Save")
    change(editor_client, post, _unpublish="1")
    change(editor_client, post, _publish="1")
    editor_client.post("/admin/blog/post/", {"action": "unpublish", "_selected_action": [post.pk]})
    editor_client.post("/admin/blog/post/", {"action": "publish_now", "_selected_action": [post.pk]})
    tick()

    assert recipients(newsletters()) == ["ann@example.com"]
    assert Post.objects.get(pk=post.pk).is_published


def test_unticked_nothing_is_sent(editor_client, make_post, readers, newsletters):
    readers(ann="confirmed")
    post = make_post(state="draft")

    change(editor_client, post, email_subscribers=None, _publish="1")  # unticked: absent from the form

    assert newsletters() == [] and not Newsletter.objects.filter(post=post).exists()
    page = editor_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert "Not emailed when it went live." in page


def test_the_checkbox_is_ticked_for_a_new_post_and_sent_with_the_form(
    editor_client, editor, readers, newsletters
):
    readers(ann="confirmed")
    page = editor_client.get("/admin/blog/post/add/").content.decode()
    assert re.search(r'<input type="checkbox" name="email_subscribers"[^>]* checked', page)

    editor_client.post(
        "/admin/blog/post/add/",
        {"title": "Straight out", "slug": "straight-out", "author": editor.pk, "body": "Hi",
         "email_subscribers": "on", "_publish": "1"},
    )  # fmt: skip

    assert recipients(newsletters()) == ["ann@example.com"]


def test_a_queue_that_refuses_keeps_the_post_unpublished_and_the_edit(
    editor_client, make_post, readers, newsletters, monkeypatch
):
    """The promise is never silently broken: if the first page cannot be queued, the post is
    not published (the editor is told), the edit is kept, and publishing later sends it."""
    from newsletter.queue import LocalQueue

    readers(ann="confirmed")
    post = make_post(state="draft", title="Before")

    def refuse(self, messages, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(LocalQueue, "send", refuse)
        response = change(editor_client, post, title="After", _publish="1")
        page = editor_client.get(response["Location"]).content.decode()

    assert "“After” was saved but not published: its newsletter could not be queued" in page
    post.refresh_from_db()
    assert post.title == "After" and post.status == Post.Status.DRAFT and post.announced_at is None
    assert not Newsletter.objects.filter(post=post).exists() and newsletters() == []

    change(editor_client, post, _publish="1")
    assert recipients(newsletters()) == ["ann@example.com"]


def test_a_due_post_whose_queue_refuses_is_announced_the_next_minute(
    make_post, readers, newsletters, monkeypatch
):
    from newsletter.queue import LocalQueue

    readers(ann="confirmed")
    post = make_post(state="scheduled")
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(seconds=5))
    with monkeypatch.context() as patch:
        patch.setattr(
            LocalQueue, "send", lambda self, messages, **kwargs: (_ for _ in ()).throw(OSError("busy"))
        )
        tick()
    assert Post.objects.get(pk=post.pk).announced_at is None, "rolled back, to be tried again"

    tick()

    assert Post.objects.get(pk=post.pk).announced_at is not None
    assert recipients(newsletters()) == ["ann@example.com"]


def test_a_post_created_already_published_did_not_go_live_for_anyone(make_post, readers, newsletters):
    """Fixtures, imports and the demo content write posts that are live from the start: no
    reader was waiting for them, and nobody is emailed."""
    readers(ann="confirmed")
    post = make_post(state="published")
    tick()
    assert newsletters() == [] and not Newsletter.objects.filter(post=post).exists()
