"""The local media server (media on disk, the embedded defaults) serves what CloudFront serves
in AWS: renditions, with their image type; never the original upload (GPS and all), the
manifest, or any other file that lands in the media folder."""

import importlib
import io
from pathlib import Path

import pytest
from django.urls import clear_url_caches
from PIL import Image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dev_server_urls(settings):
    """The URLs as the development server builds them (`make run`: DEBUG on), where media
    used to be served whole."""
    import blog.urls

    settings.DEBUG = True
    importlib.reload(blog.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(blog.urls)
    clear_url_caches()


def media_path(url):
    return url.removeprefix("https://blog.example.com")


def test_renditions_are_served_with_their_image_type(client, make_photo):
    photo = make_photo(size=(700, 400))
    for fmt, content_type in (("jpeg", "image/jpeg"), ("webp", "image/webp")):
        for width, _, url in photo.rendition_set(fmt):
            response = client.get(media_path(url))
            assert response.status_code == 200, url
            assert response["Content-Type"] == content_type
            assert response["X-Content-Type-Options"] == "nosniff"
            assert "immutable" in response["Cache-Control"]
            body = b"".join(response.streaming_content)
            assert Image.open(io.BytesIO(body)).width == width


def test_the_original_upload_is_never_served(client, make_photo):
    photo = make_photo()
    assert photo.image.name.startswith("uploads/")
    assert client.get(f"/media/{photo.image.name}").status_code == 404


def test_a_png_uploaded_as_pdf_is_not_served_as_pdf(client, settings, make_photo):
    """Whatever an upload is called, its bytes are never served from the site's origin with
    the type its name claims; its renditions are JPEG and WebP."""
    from django.core.files.base import ContentFile

    from blog.models import Photo
    from blog.renditions import deliver_upload_locally

    png = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 200, 30)).save(png, "PNG")
    photo = Photo(alt_text="Not a PDF")
    photo.image.save("report.pdf", ContentFile(png.getvalue(), name="report.pdf"), save=False)
    photo.save()
    deliver_upload_locally(photo)
    assert client.get(f"/media/{photo.image.name}").status_code == 404
    photo.refresh_from_db()
    served = [
        client.get(media_path(url)) for fmt in ("jpeg", "webp") for _, _, url in photo.rendition_set(fmt)
    ]
    assert served and {r["Content-Type"] for r in served} == {"image/jpeg", "image/webp"}


def test_nothing_but_rendition_names_is_served(client, settings, make_photo):
    """The manifest, a planted file with another extension, and paths that climb out of the
    renditions folder are all 404."""
    photo = make_photo()
    _, _, url = photo.rendition_set("jpeg")[0]
    folder = Path(settings.MEDIA_ROOT) / Path(media_path(url)).parent.relative_to("/media")
    (folder / "320.pdf").write_bytes(b"%PDF-1.4 planted")
    (folder / "notes.html").write_text("<script>alert(1)</script>")
    base = media_path(url).rsplit("/", 1)[0]
    for name in ("manifest.json", "320.pdf", "notes.html", "0320.jpg", "../../../../uploads"):
        assert client.get(f"{base}/{name}").status_code == 404, name
    assert client.get("/media/renditions/../uploads/x.jpg").status_code == 404


def test_writes_are_refused(client, make_photo):
    photo = make_photo()
    _, _, url = photo.rendition_set("jpeg")[0]
    response = client.post(media_path(url))
    assert response.status_code == 405
