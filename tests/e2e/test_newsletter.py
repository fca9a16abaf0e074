"""The newsletter, end to end in Chromium on the embedded defaults: a reader subscribes and
confirms; the editor publishes a post with "Email this post to subscribers" ticked; the email is
in the outbox, once; the reader opens it and unsubscribes from its link; the next post does not
reach them. Every page visited must show no JavaScript error and no failed request."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import log_in, newest_email_to

pytestmark = pytest.mark.e2e
READER = "newsletter.e2e@example.com"


def emails_to(outbox, address, subject):
    import email
    import email.policy
    from email.utils import parseaddr

    found = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if parseaddr(str(message["To"]))[1] == address and message["Subject"] == subject:
            found.append(message)
    return found


def publish(page, title, body):
    page.goto("/admin/blog/post/add/")
    page.get_by_label("Title").press_sequentially(title)
    page.get_by_label("Summary").fill(f"{title}: a short note for the list.")
    page.get_by_role("textbox", name="Body").click()  # the Markdown editor over the textarea
    page.keyboard.type(body)
    expect(page.locator(".editor-statusbar .words")).not_to_have_text("0")
    box = page.get_by_label("Email this post to subscribers")
    expect(box).to_be_checked()
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist")).to_contain_text(f"“{title}” is published")


def test_subscribe_confirm_publish_find_the_newsletter_and_unsubscribe_from_it(
    open_page, shoot, site_server, check_accessibility
):
    reader, reader_watch = open_page("phone")
    reader.goto("/")
    footer = reader.get_by_role("contentinfo")
    footer.get_by_label("Get new posts by email").fill(READER)
    footer.get_by_role("button", name="Subscribe").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    welcome = newest_email_to(site_server.outbox, READER)
    confirm = re.search(r"https?://\S+/confirm/\S+/", welcome.get_body(("plain",)).get_content()).group(0)
    reader.goto(confirm)
    reader.get_by_role("button", name="Yes, confirm my subscription").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("You\u2019re subscribed")

    editor, editor_watch = open_page("desktop")
    log_in(editor)
    publish(editor, "Letters from the lighthouse", "The keeper writes every week. *Storms*, mostly.")
    # Delivered when the publishing committed: the panel already counts it.
    panel = editor.locator(".publishing")
    expect(panel.locator(".newsletter-report")).to_contain_text("1 of 1 subscriber(s) emailed.")
    expect(panel.locator(".newsletter-counts")).to_contain_text("Sent1")
    expect(editor.get_by_label("Email this post to subscribers")).to_have_count(0)
    shoot(editor, "newsletter-sent")
    check_accessibility(editor, "post-with-its-newsletter")

    [newsletter] = emails_to(site_server.outbox, READER, "Letters from the lighthouse")
    assert str(newsletter["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    unsubscribe = str(newsletter["List-Unsubscribe"]).strip()[1:-1]
    assert unsubscribe.startswith(f"{site_server.url}/unsubscribe/")

    # The email as the reader sees it: the post, a link to it, and a way out.
    reader.set_content(newsletter.get_body(("html",)).get_content())
    expect(reader.get_by_role("heading", level=1)).to_have_text("Letters from the lighthouse")
    expect(reader.get_by_text("a short note for the list")).to_be_visible()
    expect(reader.get_by_role("link", name="Read the whole post")).to_have_attribute(
        "href", f"{site_server.url}/posts/letters-from-the-lighthouse/"
    )
    shoot(reader, "newsletter-email")
    reader.get_by_role("link", name="Unsubscribe").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    reader.get_by_role("button", name="Unsubscribe").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("You\u2019re unsubscribed")
    shoot(reader, "unsubscribed-from-the-newsletter")

    # The next post reaches nobody on the list; the first went once.
    publish(editor, "More letters", "Calm, this week.")
    expect(editor.locator(".publishing .newsletter-counts")).to_contain_text("Sent0")
    time.sleep(0.5)
    assert emails_to(site_server.outbox, READER, "More letters") == []
    assert len(emails_to(site_server.outbox, READER, "Letters from the lighthouse")) == 1
    reader_watch.assert_clean()
    editor_watch.assert_clean()
