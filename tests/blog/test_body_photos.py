"""Photos in a post's body: `![](photo:N)` renders as the covers' responsive <picture>, from
renditions that exist only, with the photo's alt text and caption; bodies follow their photos;
a photo a post shows cannot be deleted."""

import re

import pytest
from django.core.files.base import ContentFile
from django.db.models import ProtectedError

from blog.models import Photo
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def body_of(client, post):
    html = client.get(f"/posts/{post.slug}/").content.decode()
    return html.split('<div class="body">', 1)[1].split("</div>", 1)[0]


def test_a_photo_alone_in_its_paragraph_is_a_figure_with_the_covers_picture(client, make_post, make_photo):
    photo = make_photo(alt_text="A red door", size=(1000, 700))
    post = make_post(body=f"Before.\n\n![](photo:{photo.pk})\n\nAfter.")
    body = body_of(client, post)
    figure = re.search(r'<figure class="photo">(.*?)</figure>', body, re.S).group(1)
    assert '<source type="image/webp" srcset="' in figure
    # Every width that exists, and none that does not (the photo is 1000 px wide).
    widths = sorted({int(w) for w in re.findall(r"/(\d+)\.jpg \d+w", figure)})
    assert widths == [320, 640, 960]
    assert 'alt="A red door"' in figure and 'loading="lazy"' in figure
    assert "<figcaption>Caption</figcaption>" in figure
    assert "photo:" not in body and "/uploads/" not in body


def test_brackets_replace_the_alt_text_and_a_title_the_caption(client, make_post, make_photo):
    photo = make_photo()
    post = make_post(body=f'![The door, closed](photo:{photo.pk} "Lisbon, in May")')
    body = body_of(client, post)
    assert 'alt="The door, closed"' in body and "<figcaption>Lisbon, in May</figcaption>" in body


def test_a_photo_inside_a_sentence_is_a_picture_without_figure(client, make_post, make_photo):
    photo = make_photo()
    post = make_post(body=f"Look: ![](photo:{photo.pk}) there.")
    body = body_of(client, post)
    assert "<p>Look: <picture>" in body and "<figure" not in body


def test_a_photo_without_renditions_or_that_does_not_exist_shows_nothing(client, make_post, make_photo):
    pending = make_photo(renditions=False)
    post = make_post(body=f"A\n\n![](photo:{pending.pk})\n\n![](photo:999999)\n\nB")
    body = body_of(client, post)
    assert "<img" not in body and "photo:" not in body
    assert "<p>A</p>" in body and "<p>B</p>" in body


def test_the_body_shows_the_photo_once_its_renditions_are_made(client, make_post, make_photo):
    """Renditions are made after the upload, in the background: the body follows."""
    from blog.renditions import deliver_upload_locally

    photo = make_photo(renditions=False)
    post = make_post(body=f"![](photo:{photo.pk})")
    assert "<picture" not in body_of(client, post)
    deliver_upload_locally(photo)
    assert "<picture" in body_of(client, post)


def test_changing_the_alt_text_or_the_file_renders_the_bodies_again(client, make_post, make_photo):
    photo = make_photo(alt_text="Old words")
    post = make_post(body=f"![](photo:{photo.pk})")
    old_folder = re.search(r"/renditions/\d+/\d+/[^/]+/", body_of(client, post)).group(0)
    photo.alt_text = "New words"
    photo.save()
    assert 'alt="New words"' in body_of(client, post)

    from blog.renditions import deliver_upload_locally

    photo.image.save("other.jpg", ContentFile(jpeg_bytes((800, 600))), save=True)
    deliver_upload_locally(photo)
    body = body_of(client, post)
    assert "<picture" in body and old_folder not in body


def test_a_photo_a_post_shows_cannot_be_deleted(make_post, make_photo):
    in_body, cover = make_photo(), make_photo()
    make_post(body=f"![](photo:{in_body.pk})", cover=cover)
    for photo in (in_body, cover):
        with pytest.raises(ProtectedError):
            photo.delete()
    assert Photo.objects.count() == 2


def test_removing_the_reference_frees_the_photo(make_post, make_photo):
    photo = make_photo()
    post = make_post(body=f"![](photo:{photo.pk})")
    post.body = "No photo now."
    post.save()
    photo.delete()
    assert not Photo.objects.exists()


def test_the_admin_refuses_and_names_the_posts(editor_client, make_post, make_photo):
    photo = make_photo(alt_text="The harbour")
    post = make_post(title="Harbour notes", body=f"![](photo:{photo.pk})")
    page = editor_client.get(f"/admin/blog/photo/{photo.pk}/delete/").content.decode()
    assert "cannot be deleted" in page
    assert f'href="/admin/blog/post/{post.pk}/change/">Harbour notes</a>' in page
    response = editor_client.post(f"/admin/blog/photo/{photo.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200 and Photo.objects.filter(pk=photo.pk).exists()
    # The bulk action refuses too.
    response = editor_client.post(
        "/admin/blog/photo/", {"action": "delete_selected", "_selected_action": [photo.pk], "post": "yes"}
    )
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert "Harbour notes" in response.content.decode()


def test_photo_page_gives_its_markdown_and_where_it_is_used(editor_client, make_post, make_photo):
    photo = make_photo()
    post = make_post(title="Door story", cover=photo)
    page = editor_client.get(f"/admin/blog/photo/{photo.pk}/change/").content.decode()
    assert f"<code>![](photo:{photo.pk})</code>" in page
    assert f'<a href="/admin/blog/post/{post.pk}/change/">Door story</a>' in page


def test_photo_names_are_cut_between_words(make_photo):
    photo = make_photo(
        alt_text="A very long description of a harbour at dawn with boats, gulls and fog lifting"
    )
    assert str(photo) == "A very long description of a harbour at dawn with boats,…"
    assert len(str(photo)) <= 60

    from blog.models import photo_upload_to

    name = photo_upload_to(None, "an-extraordinarily-long-file-name-from-a-camera-that-likes-words-a-lot.jpg")
    stem = name.rsplit("/", 1)[1].rsplit("-", 1)[0]
    assert stem == "an-extraordinarily-long-file-name-from-a-camera-that-likes"
