"""Editors, readers and subscribers, end to end in a real Chromium against a running server.

The journeys run in file order and share what the editor made (`story`): the editor writes and
publishes a post with a sideways cover photo, readers on a phone and a desktop find it, a
subscriber subscribes, confirms and unsubscribes, and a bad upload fails visibly while the site
keeps working. Every page visited must show no JavaScript error and no failed request."""

import email
import email.policy
import io
import re
import time
import urllib.request
from email.utils import parseaddr
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, E2E_MAX_UPLOAD_MB, EDITOR_PASSWORD, EDITOR_USERNAME

pytestmark = pytest.mark.e2e

TITLE = "Fog over the harbour at dawn"
SEARCH_WORD = "zephyrine"
TAG = "Coastlines"
BODY = f"""Morning fog over the harbour, and one word to find this post by: {SEARCH_WORD}.

## What we saw

- a red lighthouse
- three fishing boats
- gulls, everywhere

More on [the harbour's own site](https://example.org/harbour).
"""
ALT = "The red lighthouse in the fog, boats in front"
SUBSCRIBER = "reader.e2e@example.com"


@pytest.fixture(scope="module")
def story():
    """What one journey leaves for the next."""
    return {}


@pytest.fixture(scope="module")
def cover_photo():
    """(file name, bytes, upright (width, height)): a JPEG stored sideways with EXIF
    orientation 6, made here, bigger than the widest rendition so "narrower than the original"
    means something."""
    from PIL import Image, ImageDraw, ImageOps

    stored = Image.new("RGB", (2000, 3000), (40, 90, 140))
    ImageDraw.Draw(stored).rectangle((0, 0, 600, 3000), fill=(200, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif, quality=85)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif().get(0x0112) == 6, "the cover must be stored sideways (orientation 6)"
        assert image.width < image.height, "stored sideways: portrait on disk"
        upright = ImageOps.exif_transpose(image).size
    assert upright[0] > upright[1], "upright, the photo is landscape"
    return "harbour-sideways.jpg", data, upright


def log_in(page):
    page.goto("/admin/")
    page.get_by_label("Username").fill(EDITOR_USERNAME)
    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Editing")).to_be_visible()


def wait_for_image(page, img):
    """The <img> has loaded whichever candidate the browser chose; returns what it chose."""
    img.scroll_into_view_if_needed()
    handle = img.element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
    # naturalWidth of a srcset image is in CSS pixels (divided by the candidate's density):
    # load the chosen file on its own to learn its real size.
    return page.evaluate(
        """async img => {
            const file = new Image();
            file.src = img.currentSrc;
            await file.decode();
            return {src: img.currentSrc, width: file.naturalWidth, height: file.naturalHeight,
                    shown: img.clientWidth, dpr: window.devicePixelRatio};
        }""",
        handle,
    )


def assert_upright_rendition(chosen, upright, where):
    with (ARTIFACTS / "renditions-chosen.txt").open("a") as log:
        log.write(f"{where}: {chosen}\n")
    path = urlsplit(chosen["src"]).path
    assert path.startswith("/media/renditions/"), (
        f"{where}: the browser chose {chosen['src']}, not a rendition"
    )
    assert chosen["width"] > chosen["height"], f"{where}: the cover is not upright: {chosen}"
    assert chosen["width"] < upright[0], (
        f"{where}: the chosen rendition ({chosen['width']} px) is not narrower than the original ({upright[0]} px)"
    )


# 1. The editor --------------------------------------------------------------------------------


def test_editor_writes_illustrates_previews_and_publishes(open_page, shoot, story, cover_photo):
    page, watch = open_page("desktop")
    log_in(page)
    shoot(page, "admin-index")

    # A tag for the post.
    page.goto("/admin/blog/tag/add/")
    page.get_by_label("Name").press_sequentially(TAG)
    expect(page.get_by_label("Slug")).to_have_value(TAG.lower())  # pre-filled by the admin's JS
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The cover photo: a real JPEG stored sideways.
    name, data, upright = cover_photo
    page.goto("/admin/blog/photo/add/")
    page.get_by_label("Image").set_input_files({"name": name, "mimeType": "image/jpeg", "buffer": data})
    # The browser posts the file straight to storage; the form then saves only its key.
    expect(page.locator(".upload-status")).to_contain_text("Uploaded", timeout=30_000)
    page.get_by_label("Alt text").fill(ALT)
    page.get_by_label("Caption").fill("Seen from the quay.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    # On the embedded defaults the S3 event is delivered when the upload commits.
    row = page.locator("#result_list tbody tr").filter(has_text=ALT)
    expect(row.locator(".renditions")).to_have_text(re.compile(r"^Ready \(320, 640, 960, .*px\)$"))
    thumb = row.locator("img")
    chosen = wait_for_image(page, thumb)
    assert urlsplit(chosen["src"]).path.startswith("/media/renditions/"), chosen
    assert chosen["width"] > chosen["height"], f"the admin's preview is not upright: {chosen}"
    shoot(page, "photo-renditions-ready")

    # The post, in Markdown, with the cover and the tag; saved as a draft first.
    page.goto("/admin/blog/post/add/")
    page.get_by_label("Title").press_sequentially(TITLE)
    expect(page.get_by_label("Slug")).to_have_value("fog-over-the-harbour-at-dawn")
    page.get_by_label("Summary").fill("A foggy morning on the quay, in three sightings.")
    # The body's Markdown editor (EasyMDE over the textarea).
    page.get_by_role("textbox", name="Body").fill(BODY)
    # The cover: the admin's autocomplete (select2), searched by alt text.
    page.locator(".field-cover .select2-selection").click()
    page.locator(".select2-search__field").fill("lighthouse")
    page.locator(".select2-results__option").filter(has_text=ALT).click()
    expect(page.locator(".field-cover .select2-selection__rendered")).to_contain_text(ALT)
    # The tags: the admin's two-box selector.
    page.locator("#id_tags_from").select_option(label=TAG)
    page.locator("#id_tags_add").click()
    expect(page.locator("#id_tags_to option")).to_have_text([TAG])
    shoot(page, "post-form")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    story["post_id"] = re.search(r"/admin/blog/post/(\d+)/change/", page.url).group(1)

    # Preview the draft (it opens in a new tab).
    with page.context.expect_page() as new_tab:
        page.get_by_role("button", name="Preview", exact=True).click()
    preview = new_tab.value
    preview_watch = type(watch)(name=f"{watch.name} preview")
    preview_watch.attach(preview)
    preview.wait_for_load_state()
    expect(preview.get_by_role("note")).to_contain_text("draft")
    expect(preview.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(preview.get_by_role("heading", name="What we saw")).to_be_visible()
    expect(preview.locator(".body li")).to_have_text(
        ["a red lighthouse", "three fishing boats", "gulls, everywhere"]
    )
    expect(preview.get_by_role("link", name="the harbour's own site")).to_have_attribute(
        "href", "https://example.org/harbour"
    )
    assert_upright_rendition(wait_for_image(preview, preview.locator("figure.cover img")), upright, "preview")
    shoot(preview, "preview-draft")
    preview.close()
    preview_watch.assert_clean()

    # Readers cannot see a draft yet.
    with urllib.request.urlopen(page.url.split("/admin/")[0] + "/") as response:
        assert TITLE not in response.read().decode()

    # Publish from the change list's bulk action.
    page.goto("/admin/blog/post/")
    row = page.locator("#result_list tbody tr").filter(has_text=TITLE)
    expect(row.locator(".status")).to_have_text("Draft")
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Publish selected posts now")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Published 1 post(s).")
    expect(row.locator(".status")).to_have_text("Published")
    shoot(page, "published")
    story.update(slug="fog-over-the-harbour-at-dawn", upright=upright)
    watch.assert_clean()


# 2. The reader, on a phone and on a desktop ---------------------------------------------------


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_reader_finds_reads_follows_searches_and_subscribes_to_the_feed(
    open_page, shoot, story, viewport, check_accessibility, site_server
):
    if "slug" not in story:
        pytest.fail("the editor's journey did not publish the post: nothing to read")
    page, watch = open_page(viewport)

    page.goto("/")
    card = page.locator("article.post-card").filter(has_text=TITLE)
    expect(card).to_be_visible()
    assert_upright_rendition(
        wait_for_image(page, card.locator("picture img")), story["upright"], f"home [{viewport}]"
    )
    shoot(page, f"home-{viewport}")
    check_accessibility(page, f"home-{viewport}")

    card.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(re.compile(rf"/posts/{story['slug']}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="What we saw")).to_be_visible()
    expect(page.locator(".body li")).to_have_count(3)
    assert_upright_rendition(
        wait_for_image(page, page.locator("figure.cover img")), story["upright"], f"post [{viewport}]"
    )
    expect(page.locator("figure.cover figcaption")).to_have_text("Seen from the quay.")
    shoot(page, f"post-{viewport}")
    check_accessibility(page, f"post-{viewport}")

    page.locator("article.post footer").get_by_role("link", name=TAG).click()
    expect(page).to_have_url(re.compile(r"/tags/coastlines/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Posts tagged {TAG}")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    shoot(page, f"tag-{viewport}")

    search = page.get_by_role("searchbox", name="Search posts")
    search.fill(SEARCH_WORD)
    search.press("Enter")
    expect(page).to_have_url(re.compile(rf"/search/\?q={SEARCH_WORD}$"))
    expect(page.get_by_role("status")).to_have_text(f"1 result for “{SEARCH_WORD}”.")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    shoot(page, f"search-{viewport}")

    # The feed, from the footer link: its item is the post, at the site's own address.
    with page.expect_response(re.compile(r"/feeds/rss\.xml$")) as feed:
        page.get_by_role("contentinfo").get_by_role("link", name="RSS", exact=True).click()
    response = feed.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    xml = response.text()
    assert f"<title>{TITLE}</title>" in xml
    assert f"<link>{site_server.url}/posts/{story['slug']}/</link>" in xml
    page.wait_for_load_state()
    shoot(page, f"rss-{viewport}")
    watch.assert_clean()


# 3. The subscriber ----------------------------------------------------------------------------


def newest_email_to(outbox, address, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml"), reverse=True):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if parseaddr(str(message["To"]))[1] == address:
                return message
        time.sleep(0.2)
    pytest.fail(f"no email to {address} in {outbox} after {timeout} s")


def post_one_click(url):
    """What a mail provider does with List-Unsubscribe-Post (RFC 8058): no cookie, no token."""
    request = urllib.request.Request(
        url,
        data=b"List-Unsubscribe=One-Click",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request) as response:
        return response.status, response.read().decode()


def test_subscriber_subscribes_confirms_and_unsubscribes(open_page, shoot, site_server, check_accessibility):
    page, watch = open_page("desktop")
    page.goto("/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Get new posts by email").fill(SUBSCRIBER)
    footer.get_by_role("button", name="Subscribe").click()
    expect(page).to_have_url(re.compile(r"/subscribe/thanks/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.get_by_role("status")).to_contain_text("a message with a link to confirm your subscription")
    shoot(page, "check-your-inbox")

    # The welcome, through the DynamoDB-stream handler, lands in the local outbox.
    message = newest_email_to(site_server.outbox, SUBSCRIBER)
    assert "Confirm your subscription" in message["Subject"]
    unsubscribe_header = str(message["List-Unsubscribe"]).strip()  # folded: a long line
    assert re.fullmatch(rf"<{re.escape(site_server.url)}/unsubscribe/[^>]+/>", unsubscribe_header), (
        unsubscribe_header
    )
    assert str(message["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    unsubscribe_url = unsubscribe_header[1:-1]
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert re.search(rf"{re.escape(site_server.url)}/confirm/\S+/", text)

    # The email as the subscriber sees it; its button opens the confirm page.
    page.set_content(html)
    shoot(page, "welcome-email")
    page.get_by_role("link", name="Confirm my subscription").click()
    expect(page).to_have_url(re.compile(r"/confirm/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your subscription")
    expect(page.get_by_role("main")).to_contain_text(SUBSCRIBER)
    shoot(page, "confirm-page")
    page.get_by_role("button", name="Yes, confirm my subscription").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You\u2019re subscribed")
    shoot(page, "confirmed")

    # The one-click unsubscribe, as a mail provider sends it, and again (idempotent).
    for _ in range(2):
        status, body = post_one_click(unsubscribe_url)
        assert status == 200
        assert "You\u2019re unsubscribed" in body and SUBSCRIBER in body

    # And the reader's own way: the unsubscribe link, then its button.
    page.goto(unsubscribe_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You\u2019re unsubscribed")
    expect(page.get_by_role("status")).to_contain_text(SUBSCRIBER)
    shoot(page, "unsubscribed")

    # Confirming after unsubscribing does not resubscribe.
    page.goto(re.search(rf"{re.escape(site_server.url)}(/confirm/\S+/)", text).group(1))
    page.get_by_role("button", name="Yes, confirm my subscription").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This subscription is no longer active")
    watch.assert_clean()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_subscribe_page_is_accessible(open_page, shoot, viewport, check_accessibility):
    page, watch = open_page(viewport)
    page.goto("/subscribe/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Subscribe to "))
    # The page's own form, not a second one in the footer.
    expect(page.get_by_label("Get new posts by email")).to_have_count(1)
    shoot(page, f"subscribe-{viewport}")
    check_accessibility(page, f"subscribe-{viewport}")
    watch.assert_clean()


# 4. Photos of any size, and failure is visible ---------------------------------------------


def camera_photo():
    """A 12 MP JPEG of over 10 MB, as a camera writes one: noise does not compress, so the
    file is big (a request that large could never reach the function through API Gateway)."""
    from PIL import Image

    size = (4000, 3000)
    noise = Image.merge("RGB", [Image.effect_noise(size, 60) for _ in range(3)])
    img = Image.blend(noise, Image.linear_gradient("L").resize(size).convert("RGB"), 0.4)
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=97)
    return buffer.getvalue()


def test_a_photo_over_10_mb_uploads_with_progress_and_comes_out_ready(open_page, shoot, site_server):
    page, watch = open_page("desktop")
    log_in(page)
    data = camera_photo()
    assert 10 * 2**20 < len(data) < E2E_MAX_UPLOAD_MB * 2**20, len(data)
    page.goto("/admin/blog/photo/add/")
    page.get_by_label("Image").set_input_files(
        {"name": "DSC_0412.JPG", "mimeType": "image/jpeg", "buffer": data}
    )
    status = page.locator(".upload-status")
    expect(status).to_contain_text(re.compile(r"Uploading|Uploaded"))
    expect(status).to_contain_text(f"Uploaded “DSC_0412.JPG” ({len(data) / 2**20:.1f} MB)", timeout=60_000)
    shoot(page, "uploaded")
    page.get_by_label("Alt text").fill("Grain of a 12 MP camera photo")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    row = page.locator("#result_list tbody tr").filter(has_text="Grain of a 12 MP camera photo")
    expect(row.locator(".renditions")).to_have_text("Ready (320, 640, 960, 1280, 1920 px)")
    expect(row.locator(".field-dimensions")).to_have_text("4000 x 3000")
    shoot(page, "large-photo-ready")
    watch.assert_clean()


def test_a_bad_upload_fails_visibly_and_the_site_keeps_working(open_page, shoot, story, cover_photo):
    page, watch = open_page("desktop")
    log_in(page)
    page.goto("/admin/blog/photo/add/")
    picker, status = page.get_by_label("Image"), page.locator(".upload-status")

    # Not an image at all, though named .jpg: refused before any byte leaves the browser.
    picker.set_input_files(
        {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"Shopping list: bread, milk, film.\n"}
    )
    expect(status).to_have_class(re.compile("upload-error"))
    expect(status).to_contain_text("“notes.jpg” is not a photo the site can use")
    shoot(page, "not-an-image")

    # A PNG named .pdf: the name and the content disagree, and the editor is told.
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(png, "PNG")
    picker.set_input_files({"name": "scan.pdf", "mimeType": "application/pdf", "buffer": png.getvalue()})
    expect(status).to_contain_text("“scan.pdf” is named as a .pdf file but holds a PNG image")

    # Over the site's limit (E2E_MAX_UPLOAD_MB here): refused with the sizes.
    big = b"\xff\xd8\xff\xe0" + bytes((E2E_MAX_UPLOAD_MB + 4) * 2**20)
    picker.set_input_files({"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": big})
    expect(status).to_contain_text(
        f"“huge.jpg” is too large: {len(big) / 2**20:.1f} MB; the limit is {E2E_MAX_UPLOAD_MB:.1f} MB."
    )
    shoot(page, "too-large")
    # The two refusals above were the admin's 400s to the grant requests: expected here.
    watch.allow(r"(HTTP 400: POST|status of 400).*/admin/blog/photo/upload-grant/")

    # Saving with no upload says what is missing, and saves nothing.
    page.get_by_label("Alt text").fill("Not a photo")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-image .errorlist")).to_contain_text(
        "Choose the photo and wait until it has uploaded"
    )

    # A JPEG cut short: it passes the form's check, and its renditions fail: an error, with
    # the reason, never a green "added successfully".
    _, data, _ = cover_photo
    page.get_by_label("Image").set_input_files(
        {"name": "cut-short.jpg", "mimeType": "image/jpeg", "buffer": data[: len(data) // 2]}
    )
    expect(status).to_contain_text("Uploaded", timeout=30_000)
    page.get_by_label("Alt text").fill("A photo cut short")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .error")).to_contain_text("could not be made into pictures (truncated")
    expect(page.locator(".messagelist .success")).to_have_count(0)
    row = page.locator("#result_list tbody tr").filter(has_text="A photo cut short")
    expect(row.locator(".renditions-failed")).to_have_text(re.compile(r"^Failed: truncated"))
    shoot(page, "truncated-failed")

    # It is not offered as a cover.
    if "post_id" in story:
        page.goto(f"/admin/blog/post/{story['post_id']}/change/")
        page.locator(".field-cover .select2-selection").click()
        page.locator(".select2-search__field").fill("cut short")
        expect(page.locator(".select2-results__option")).to_have_text(["No results found"])
        page.keyboard.press("Escape")

    reader, reader_watch = open_page("desktop")
    response = reader.goto("/")
    assert response.status == 200
    if "slug" in story:
        card = reader.locator("article.post-card").filter(has_text=TITLE)
        expect(card).to_be_visible()
        # Still the good cover: the failed photo never reached it.
        assert_upright_rendition(
            wait_for_image(reader, card.locator("picture img")), story["upright"], "after"
        )
        response = reader.goto(f"/posts/{story['slug']}/")
        assert response.status == 200
        expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    shoot(reader, "site-still-works")
    watch.assert_clean()
    reader_watch.assert_clean()
