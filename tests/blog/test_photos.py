"""Pages show photos only through renditions that exist, as responsive <picture> markup."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_list_pages_use_picture_with_srcset(client, make_post, make_photo):
    """A cover is a <picture>: WebP and JPEG srcsets of every rendition, width and height of
    the widest (no layout shift), the first eager and the rest lazy."""
    first = make_post(title="First", cover=make_photo(size=(1400, 1000)))
    make_post(
        title="Second", cover=make_photo(size=(1400, 1000)), publish_at=first.publish_at.replace(year=2020)
    )
    html = client.get("/").content.decode()

    pictures = re.findall(r"<picture.*?</picture>", html, re.S)
    assert len(pictures) == 2
    eager, lazy = pictures
    assert re.search(
        r'<source type="image/webp" srcset="[^"]*/320\.webp 320w, [^"]*/640\.webp 640w, [^"]*/960\.webp 960w, [^"]*/1280\.webp 1280w"',
        eager,
    )
    assert 'sizes="(max-width: 756px) calc(100vw - 36px), 720px"' in eager
    assert 'width="1280" height="914"' in eager
    assert 'fetchpriority="high"' in eager and 'loading="lazy"' not in eager
    assert 'loading="lazy"' in lazy
    assert "/media/uploads/" not in html


def test_pending_or_failed_photo_shows_no_image(client, make_post, make_photo):
    """Until renditions exist, pages print no image at all (never the original)."""
    post = make_post(cover=make_photo(renditions=False))
    for url in ("/", f"/posts/{post.slug}/"):
        html = client.get(url).content.decode()
        assert "<picture" not in html and "/media/uploads/" not in html
    assert client.get(f"/api/v1/posts/{post.slug}/").json()["cover"] is None


def test_status_is_read_from_the_manifest(make_photo, settings, monkeypatch):
    """In AWS the handler runs elsewhere: the schedule reads its manifest into the photo."""
    from blog.models import Photo
    from blog.tasks import refresh_photo_renditions
    from thumbnails.objects import LocalObjects
    from thumbnails.rendering import render_object

    photo = make_photo(renditions=False)
    assert photo.renditions_status == "pending"
    assert refresh_photo_renditions()["refreshed"] == 0

    render_object(LocalObjects(settings.MEDIA_ROOT), photo.image.name)  # what the Lambda did
    assert refresh_photo_renditions()["refreshed"] == 1
    photo = Photo.objects.get(pk=photo.pk)
    assert photo.renditions_status == "ready"
    assert photo.largest("jpeg")[0] == 64


def test_replacing_the_image_makes_it_pending_again(make_photo):
    """A new file under the same photo resets its status until its own renditions exist."""
    from django.core.files.base import ContentFile

    from tests.conftest import jpeg_bytes

    photo = make_photo()
    assert photo.ready
    photo.image.save("other.jpg", ContentFile(jpeg_bytes((80, 60))), save=True)
    photo.refresh_from_db()
    assert photo.renditions_status == "pending" and photo.renditions == []


def test_a_sideways_photo_is_recorded_upright(editor_client, django_capture_on_commit_callbacks):
    """A phone photo stored sideways (EXIF orientation 6) is recorded with its upright width
    and height, read from the upload's header, as readers see it."""
    import io

    from django.test import Client
    from PIL import Image

    from blog.models import Photo
    from tests.blog.uploads import save_photo, upload

    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (600, 900), (10, 120, 200)).save(buffer, "JPEG", exif=exif)
    key = upload(editor_client, Client(), buffer.getvalue(), "side.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        assert save_photo(editor_client, key, alt_text="Sideways").status_code == 302
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (900, 600)
    assert photo.largest("jpeg")[:2] == (640, 427)


def test_pages_offer_avif_then_webp_then_jpeg(client, make_post, make_photo):
    """Browsers take the first <source> they support: AVIF (smallest), then WebP, then the
    JPEG <img> every browser reads."""
    post = make_post(cover=make_photo(size=(700, 500)))
    html = client.get(f"/posts/{post.slug}/").content.decode()
    picture = re.search(r"<picture.*?</picture>", html, re.S).group(0)
    types = re.findall(r'<source type="([^"]+)" srcset="([^"]+)"', picture)
    assert [t for t, _ in types] == ["image/avif", "image/webp"]
    assert re.fullmatch(r"\S+/320\.avif 320w, \S+/640\.avif 640w", types[0][1])
    assert picture.index("<source") < picture.index("<img") and ".jpg 640w" in picture
    api = client.get(f"/api/v1/posts/{post.slug}/").json()["cover"]["renditions"]
    assert [r["type"] for r in api] == ["image/avif"] * 2 + ["image/webp"] * 2 + ["image/jpeg"] * 2


def test_a_photo_narrower_than_every_width_shows_at_its_own_width(client, make_post, make_photo):
    """A 200 px photo gets one rendition per format at 200 px, and pages show it."""
    post = make_post(cover=make_photo(size=(200, 150)))
    html = client.get(f"/posts/{post.slug}/").content.decode()
    assert re.search(r'srcset="\S+/200\.avif 200w"', html)
    assert 'width="200" height="150"' in html
