"""The editor's desk, end to end in Chromium: writing with the toolbar and a live preview that
matches the published page, a photo uploaded and inserted from the picker, scheduling in the
site's zone until the post goes live, a renamed post's old URL, the warning before leaving with
unsaved changes and the draft found again, and the admin's operations pages on a phone."""

import io
import re
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import EDITOR_PASSWORD, EDITOR_USERNAME, OPERATOR_USERNAME, SITE_TIME_ZONE

pytestmark = pytest.mark.e2e

PHOTO_ALT = "A green valley under a pale sun"
PHOTO_CAPTION = "The valley, from the pass."


def log_in(page, username=EDITOR_USERNAME):
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Editing", level=1)).to_be_visible()


def a_jpeg(size=(1600, 1067)):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (60, 140, 80))
    ImageDraw.Draw(image).ellipse((1000, 150, 1300, 450), fill=(250, 240, 200))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def status_of(url):
    """What a reader gets, without a browser (a 404 would count as a page problem)."""
    try:
        with urllib.request.urlopen(url) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def body_html(locator):
    return locator.locator(".body").inner_html().strip()


def start_post(page, title):
    page.goto("/admin/blog/post/add/")
    page.get_by_label("Title").press_sequentially(title)
    editor = page.get_by_role("textbox", name="Body")
    editor.click()
    return editor


def test_write_with_the_toolbar_insert_a_photo_and_publish_what_the_preview_showed(
    open_page, shoot, site_server, check_accessibility
):
    page, watch = open_page("desktop")
    log_in(page)
    editor = start_post(page, "Over the pass")
    page.keyboard.type("We walked up at dawn. ")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type("It was cold")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Heading").click()
    page.keyboard.type("The route")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.insert_text('```python\nsteps = ["col", "ridge"]  # the way up\n```\n\n')
    expect(editor).to_contain_text("**It was cold**")

    # The live preview: the server's rendering, with the site's stylesheet.
    pane = page.frame_locator(".md-preview-frame")
    expect(pane.locator(".body strong")).to_have_text("It was cold")
    expect(pane.locator(".body h1")).to_have_text("The route")
    expect(pane.locator(".body code.language-python span.s2").first).to_have_text('"col"')

    # A photo, uploaded in place through the admin's own add-photo page, then inserted.
    page.get_by_role("button", name="Insert photo").click()
    picker = page.get_by_role("dialog", name="Insert a photo")
    expect(picker).to_be_visible()
    with page.context.expect_page() as popup_info:
        picker.get_by_role("button", name="Upload a new photo…").click()
    popup = popup_info.value
    popup_watch = type(watch)(name=f"{watch.name} upload popup")
    popup_watch.attach(popup)
    popup.wait_for_load_state()
    popup.get_by_label("Image").set_input_files(
        {"name": "valley.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}
    )
    popup.get_by_label("Alt text").fill(PHOTO_ALT)
    popup.get_by_label("Caption").fill(PHOTO_CAPTION)
    popup.get_by_role("button", name="Save", exact=True).click()
    popup.wait_for_event("close")
    popup_watch.assert_clean()
    new = picker.locator(".photo-picker-new")
    expect(new).to_contain_text(PHOTO_ALT)
    expect(new.locator("img")).to_have_attribute("src", re.compile(r"^/media/renditions/.+/320\.jpg$"))
    shoot(page, "photo-picker")
    check_accessibility(page, "editor-photo-picker")
    new.get_by_role("button").click()
    expect(picker).to_be_hidden()
    expect(editor).to_contain_text(re.compile(r"!\[\]\(photo:\d+\)"))
    figure = pane.locator(".body figure.photo")
    expect(figure.locator("figcaption")).to_have_text(PHOTO_CAPTION)
    expect(figure.locator("img")).to_have_attribute("alt", PHOTO_ALT)
    expect(figure.locator("source[type='image/webp']")).to_have_attribute(
        "srcset", re.compile(r"/320\.webp 320w")
    )
    page.wait_for_timeout(600)  # the pane settles after its last update
    shoot(page, "editor")
    check_accessibility(page, "editor")

    # Publish: the reader's page has the body the preview showed.
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist .success")).to_contain_text("is published")
    expect(page.locator(".publishing .status")).to_have_text("Published")
    shoot(page, "editor-published")
    expect(pane.locator(".body figure.photo img")).to_be_visible()
    page.wait_for_timeout(600)
    previewed = body_html(pane)

    reader, reader_watch = open_page("desktop")
    reader.goto("/posts/over-the-pass/")
    assert body_html(reader) == previewed
    expect(reader.locator(".reading-time")).to_have_text("1 min read")
    datetime_value = reader.locator("article.post time").get_attribute("datetime")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", datetime_value), datetime_value
    # Code is coloured by the stylesheet alone: no script on the page but the JSON-LD.
    assert reader.locator("script:not([type='application/ld+json'])").count() == 0
    expect(reader.locator(".body code .k, .body code .s2").first).to_be_visible()
    shoot(reader, "published-post")
    check_accessibility(reader, "post-with-photo-and-code")
    watch.assert_clean()
    reader_watch.assert_clean()


def test_schedule_in_the_sites_zone_and_see_it_go_live_then_rename_it(open_page, shoot, site_server):
    page, watch = open_page("desktop")
    log_in(page)
    start_post(page, "Due at the minute")
    page.keyboard.type("Written now, read later.")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    post_url = page.url

    # The next whole minute at least 20 s away, typed as the site's clock says it.
    zone = ZoneInfo(SITE_TIME_ZONE)
    due = (datetime.now(zone) + timedelta(seconds=80)).replace(second=0, microsecond=0)
    expect(page.get_by_text(f"In the site's time zone ({SITE_TIME_ZONE}, ")).to_be_visible()
    page.get_by_label("Publish at").fill(due.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text(
        f"is scheduled for {due.day} {due:%b %Y, %H:%M} {due.tzname()}"
    )
    expect(page.locator(".publishing .status")).to_have_text("Scheduled")
    expect(page.get_by_label("Publish at")).to_have_value(due.strftime("%Y-%m-%dT%H:%M"))
    shoot(page, "scheduled")
    article = f"{site_server.url}/posts/due-at-the-minute/"
    assert status_of(article) == 404
    # "View on site" leads to the preview while readers cannot see it.
    expect(page.get_by_role("link", name="View on site")).to_have_attribute(
        "href", re.compile(r"^/preview/posts/\d+/$")
    )

    deadline = time.monotonic() + 120
    while status_of(article) != 200:
        assert time.monotonic() < deadline, "the scheduled post did not go live"
        time.sleep(1)
    assert datetime.now(zone) >= due

    # Renamed once live: the old URL keeps working, permanently redirected.
    page.goto(post_url)
    expect(page.locator(".publishing .status")).to_have_text("Published")
    page.get_by_label("Slug").fill("due-at-the-minute-renamed")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.get_by_text("/posts/due-at-the-minute/")).to_be_visible()
    reader, reader_watch = open_page("phone")
    response = reader.goto("/posts/due-at-the-minute/")
    assert response.url.endswith("/posts/due-at-the-minute-renamed/")
    assert response.request.redirected_from.response().status == 301
    expect(reader.get_by_role("heading", level=1)).to_have_text("Due at the minute")
    watch.assert_clean()
    reader_watch.assert_clean()


def test_leaving_with_unsaved_changes_warns_and_the_draft_comes_back(open_page, shoot):
    page, watch = open_page("desktop")
    log_in(page)
    start_post(page, "A draft to keep")
    page.keyboard.type("First words.")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    post_url = page.url

    editor = page.get_by_role("textbox", name="Body")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Then more, not saved yet.")
    expect(page.locator(".draft-status")).to_contain_text("Unsaved changes kept in this browser at")

    # Leaving asks first; staying keeps everything.
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.get_by_role("link", name="Posts", exact=True).first.click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url == post_url
    expect(editor).to_contain_text("Then more, not saved yet.")

    # The tab closes anyway (a crash, a closed window): nothing was saved on the server...
    context = page.context
    page.close()
    # ...and a new tab of the same browser finds the draft and puts it back.
    again = context.new_page()
    again_watch = type(watch)(name=f"{watch.name} reopened")
    again_watch.attach(again)
    again.goto(post_url)
    expect(again.locator(".draft-notice")).to_contain_text("Your unsaved changes from")
    expect(again.get_by_role("textbox", name="Body")).to_contain_text(
        "First words. Then more, not saved yet."
    )
    shoot(again, "draft-restored")
    again.get_by_role("button", name="Save", exact=True).first.click()
    expect(again.locator(".messagelist")).to_contain_text("was changed successfully")
    again.goto(post_url)
    expect(again.locator(".draft-notice")).to_have_count(0)
    again_watch.assert_clean()
    watch.assert_clean()


@pytest.mark.parametrize(
    ("name", "url"), [("subscribers", "/admin/welcome/subscribers/"), ("events", "/admin/events/recent/")]
)
def test_the_operations_pages_fit_a_phone(open_page, shoot, check_accessibility, name, url):
    page, watch = open_page("phone")
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, OPERATOR_USERNAME)
    page.goto(url)
    expect(page.locator("#result_list")).to_be_visible()
    width, visible = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= visible == 375, f"{url} is {width} px wide on a 375 px screen"
    shoot(page, f"{name}-phone")
    check_accessibility(page, f"{name}-phone")
    watch.assert_clean()
