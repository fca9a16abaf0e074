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
    from thumbnails.handler import render_object
    from thumbnails.objects import LocalObjects

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


def test_a_sideways_photo_is_recorded_upright(make_photo):
    """A phone photo stored sideways (EXIF orientation 6) is recorded with its upright width
    and height once its renditions exist, as readers see it."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from blog.models import Photo
    from blog.renditions import deliver_upload_locally

    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (600, 900), (10, 120, 200)).save(buffer, "JPEG", exif=exif)
    photo = Photo(alt_text="Sideways")
    photo.image.save("side.jpg", ContentFile(buffer.getvalue(), name="side.jpg"), save=True)
    assert (photo.width, photo.height) == (600, 900)  # as stored

    deliver_upload_locally(photo)
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (900, 600)
    assert photo.largest("jpeg")[:2] == (640, 427)
