"""Photos go from the browser straight to storage (here the local stand-in for S3), then the
photo is saved with the key: the flow the admin's JavaScript follows, through HTTP."""

import json
import re
import struct

import pytest
from django.test import Client

from tests.blog.uploads import ask_grant, image_bytes, post_to_storage, save_photo, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    """The browser's POST to storage carries no session and no CSRF token, as to S3."""
    return Client(enforce_csrf_checks=True)


def test_a_photo_goes_straight_to_storage_and_is_saved_with_its_key(
    editor_client, browser, settings, django_capture_on_commit_callbacks
):
    """The grant names one key under uploads/; the file lands there and its S3 event makes
    the renditions at once; saving the photo records the key, the size read from the file's
    header, and the renditions' status, and the list previews one."""
    from blog.models import Photo

    data = image_bytes((700, 500))
    status, grant = ask_grant(editor_client, "Door.JPG", "image/jpeg", len(data))
    assert status == 200
    assert re.fullmatch(r"uploads/\d{4}/\d{2}/door-[0-9a-f]{8}\.jpg", grant["key"])
    assert grant["url"] == "/local-upload/"
    assert grant["fields"]["key"] == grant["key"] and grant["fields"]["Content-Type"] == "image/jpeg"
    assert grant["max_bytes"] == settings.UPLOAD_MAX_BYTES

    assert post_to_storage(browser, grant, data, "Door.JPG").status_code == 204
    assert (settings.MEDIA_ROOT / grant["key"]).read_bytes() == data
    folder = settings.MEDIA_ROOT / grant["key"].replace("uploads/", "renditions/").rsplit(".", 1)[0]
    assert sorted(p.name for p in folder.iterdir()) == [
        "320.avif", "320.jpg", "320.webp", "640.avif", "640.jpg", "640.webp", "manifest.json",
    ]  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        response = save_photo(editor_client, grant["key"], caption="Lisbon")
    assert response.status_code == 302, response.content.decode()[:3000]
    photo = Photo.objects.get()
    assert (photo.image.name, photo.width, photo.height) == (grant["key"], 700, 500)
    assert photo.renditions_status == "ready"
    assert sorted({(r["width"], r["format"]) for r in photo.renditions}) == [
        (w, f) for w in (320, 640) for f in ("avif", "jpeg", "webp")
    ]
    listing = editor_client.get("/admin/blog/photo/").content.decode()
    assert "Ready (320, 640 px)" in listing


def test_the_photo_form_posts_no_file_and_says_why_without_javascript(editor_client):
    """The form's file picker has no name (no photo byte is ever posted to Django); saved
    without an uploaded key, the form says the photo is missing and that uploading needs
    JavaScript. Alt text is still required."""
    from blog.models import Photo

    form = editor_client.get("/admin/blog/photo/add/").content.decode()
    picker = re.search(r'<input type="file"[^>]*>', form).group(0)
    assert "name=" not in picker and 'id="id_image"' in picker
    assert 'enctype="multipart/form-data"' not in form
    assert "<noscript>" in form and "direct-upload.js" in form

    response = save_photo(editor_client, "", alt_text="")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Uploading needs JavaScript" in html
    assert "This field is required" in html  # alt text
    assert not Photo.objects.exists()


def test_alt_text_is_still_required(editor_client, browser):
    from blog.models import Photo

    key = upload(editor_client, browser, image_bytes())
    response = save_photo(editor_client, key, alt_text="")
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    # The upload is kept for the next try: the editor need not send the photo again.
    assert f'name="image" value="{key}"' in response.content.decode()
    assert f"Stored as {key.rpartition('/')[2]}." in response.content.decode()
    assert not Photo.objects.exists()


@pytest.mark.parametrize(
    ("filename", "content_type", "size", "code", "message"),
    [
        ("notes.jpg", "", 100, "not_an_image", "is not a photo the site can use"),
        ("report.pdf", "application/pdf", 100, "not_an_image", "is not a photo the site can use"),
        ("scan.pdf", "image/png", 100, "name_mismatch", "named as a .pdf file but holds a PNG image"),
        (
            "huge.jpg",
            "image/jpeg",
            50 * 2**20 + 1,
            "too_large",
            "is too large: 52,428,801 bytes; the limit is 52,428,800 bytes",
        ),
        ("empty.jpg", "image/jpeg", 0, "empty", "is empty"),
    ],
)
def test_a_grant_is_refused_with_a_clear_message(editor_client, filename, content_type, size, code, message):
    """The type is what the browser found in the file's first bytes ("" for none it knows)."""
    status, answer = ask_grant(editor_client, filename, content_type, size)
    assert status == 400
    assert answer["error"]["code"] == code
    assert message in answer["error"]["message"]


def test_grants_are_for_editors_only(client, make_author):
    from django.contrib.auth import get_user_model

    make_author("reader")
    client.force_login(get_user_model().objects.get(username="reader"))
    response = client.post(
        "/admin/blog/photo/upload-grant/",
        json.dumps({"filename": "a.jpg", "type": "image/jpeg", "size": 10}),
        content_type="application/json",
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_heic_photo_from_a_phone_goes_through(editor_client, browser, django_capture_on_commit_callbacks):
    """An iPhone's HEIC: granted as image/heic, measured from its header, rendered."""
    from blog.models import Photo
    from tests.thumbnails.test_formats import heic, smooth

    data = heic(smooth((1200, 900)))
    key = upload(editor_client, browser, data, "IMG_0042.HEIC", "image/heic")
    assert key.endswith(".heic")
    with django_capture_on_commit_callbacks(execute=True):
        assert save_photo(editor_client, key).status_code == 302
    photo = Photo.objects.get()
    assert (photo.width, photo.height, photo.renditions_status) == (1200, 900, "ready")
    assert {r["format"] for r in photo.renditions} == {"jpeg", "webp", "avif"}


def eps():
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n" + b"0 0 moveto\n" * 50


def xbm():
    return b"#define im_width 8\n#define im_height 2\nstatic char im_bits[] = {\n0xff,0x00,0xff,0x00\n};\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Shopping list: bread, milk, film.\n" * 10, "not an image"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 5, "not an image"),
        (eps(), "EPS images are not accepted"),
        (xbm(), "XBM images are not accepted"),
        (image_bytes(fmt="PNG"), "content is PNG, but it was uploaded as image/jpeg"),
    ],
    ids=["text", "pdf", "eps", "xbm", "png-as-jpeg"],
)
def test_the_saved_upload_is_checked_by_its_content(
    editor_client, browser, settings, django_capture_on_commit_callbacks, data, message
):
    """Whatever the browser claimed, a file is taken only if its content is an image the
    thumbnail core renders and the type it was stored as; refused, it is deleted at once."""
    from blog.models import Photo

    key = upload(editor_client, browser, data, "photo.jpg", "image/jpeg")  # a browser that lied
    with django_capture_on_commit_callbacks(execute=True):
        response = save_photo(editor_client, key)
    assert response.status_code == 200
    errors = re.search(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S).group(
        1
    )
    assert message in errors
    assert f'value="{key}"' not in response.content.decode()  # not offered again
    assert not Photo.objects.exists()
    assert not (settings.MEDIA_ROOT / key).exists()


def test_a_key_the_site_did_not_make_is_refused(editor_client, make_photo):
    """The hidden key cannot name another photo's upload, nor anything outside uploads/."""
    other = make_photo()
    for key in (other.image.name, "renditions/2026/11/a/640.jpg", "uploads/../settings.py"):
        response = save_photo(editor_client, key)
        assert response.status_code == 200, key
        assert "errorlist" in response.content.decode()


def test_changing_only_the_alt_text_keeps_the_file(editor_client, make_photo):
    photo = make_photo()
    response = editor_client.post(
        f"/admin/blog/photo/{photo.pk}/change/", {"image": photo.image.name, "alt_text": "New", "caption": ""}
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.alt_text == "New" and photo.ready


def test_uploads_no_photo_took_are_deleted_after_a_day(editor_client, browser, settings, make_photo):
    """The schedule's task deletes a day-old upload no photo took, with the renditions its
    event made; a young one and one a photo uses stay. The command runs the same task."""
    import os
    import time
    from io import StringIO

    from django.core.management import call_command

    from blog.tasks import delete_orphan_uploads

    kept = make_photo()
    orphan = upload(editor_client, browser, image_bytes(), "closed-tab.jpg")
    young = upload(editor_client, browser, image_bytes(), "still-editing.jpg")
    day_old = time.time() - 25 * 3600
    for key in (orphan, kept.image.name):
        os.utime(settings.MEDIA_ROOT / key, (day_old, day_old))
    renditions = settings.MEDIA_ROOT / orphan.replace("uploads/", "renditions/").rsplit(".", 1)[0]
    assert (renditions / "manifest.json").exists()

    assert delete_orphan_uploads() == {"deleted": 1}
    assert not (settings.MEDIA_ROOT / orphan).exists() and not any(renditions.iterdir())
    assert (settings.MEDIA_ROOT / young).exists() and (settings.MEDIA_ROOT / kept.image.name).exists()
    assert kept.ready

    out = StringIO()
    call_command("delete_orphan_uploads", "--hours", "0", stdout=out)
    assert f"deleted {young}" in out.getvalue() and (settings.MEDIA_ROOT / kept.image.name).exists()


def test_a_header_past_the_first_64_kb_is_read_further(editor_client, browser):
    """A JPEG whose metadata (here a 300 KB ICC profile) pushes its size past the first read
    is measured from a longer one, not refused."""
    from blog.models import Photo

    data = image_bytes((900, 600), icc_profile=bytes(300_000))
    key = upload(editor_client, browser, data)
    assert save_photo(editor_client, key).status_code == 302
    assert (Photo.objects.get().width, Photo.objects.get().height) == (900, 600)


def test_a_photo_whose_header_is_too_long_to_read_is_taken_by_its_signature(editor_client, browser):
    """Past 1 MB of metadata the upload is taken on its signature; the handler measures it."""
    from blog.models import Photo

    data = image_bytes((900, 600), icc_profile=bytes(1_200_000))
    key = upload(editor_client, browser, data)
    assert save_photo(editor_client, key).status_code == 302
    assert Photo.objects.get().width is None


def tiff_with_directory_at_the_end(width, height):
    """An RGB TIFF as some scanners write one: pixels first, the directory (with the size) last."""
    pixels = bytes(range(256)) * (width * height * 3 // 256) + bytes(width * height * 3 % 256)
    ifd_offset = 8 + len(pixels)
    entries = [  # tag, type (3 SHORT, 4 LONG), count, value
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 2),
        (273, 4, 1, 8),
        (277, 3, 1, 3),
        (278, 4, 1, height),
        (279, 4, 1, len(pixels)),
    ]
    ifd = (
        struct.pack("<H", len(entries))
        + b"".join(
            struct.pack("<HHI", tag, kind, count)
            + (struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value))
            for tag, kind, count, value in entries
        )
        + struct.pack("<I", 0)
    )
    return b"II*\0" + struct.pack("<I", ifd_offset) + pixels + ifd


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow, reading the cut-short header
def test_a_tiff_whose_directory_is_at_its_end_is_taken_and_measured_by_the_handler(
    editor_client, browser, django_capture_on_commit_callbacks
):
    """Its first megabyte holds only pixels: taken by its signature (once refused as "not an
    image"), and its renditions made from the whole file."""
    from blog.models import Photo

    key = upload(editor_client, browser, tiff_with_directory_at_the_end(1200, 1000), "scan.tif", "image/tiff")
    with django_capture_on_commit_callbacks(execute=True):
        assert save_photo(editor_client, key).status_code == 302
    photo = Photo.objects.get()
    assert (photo.width, photo.renditions_status) == (None, "ready")
    assert max(r["width"] for r in photo.renditions) == 960


def test_replacing_a_photos_file_uploads_the_new_one_and_deletes_the_old(
    editor_client, browser, settings, make_photo, django_capture_on_commit_callbacks
):
    """The change form takes a new upload the same way; the old upload and its renditions go
    once the change commits."""
    photo = make_photo(size=(700, 500))
    old = photo.image.name
    key = upload(editor_client, browser, image_bytes((1000, 800)), "better.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            f"/admin/blog/photo/{photo.pk}/change/", {"image": key, "alt_text": "Better", "caption": ""}
        )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.image.name, photo.width, photo.height, photo.renditions_status) == (key, 1000, 800, "ready")
    assert not (settings.MEDIA_ROOT / old).exists()
