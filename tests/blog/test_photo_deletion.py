"""A photo an editor deletes, or replaces with another file, takes its upload and renditions
with it: the upload may carry GPS, and CloudFront caches renditions for a year, so they are
deleted from storage and invalidated there, after the change commits."""

import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from tests.conftest import jpeg_bytes

# Real commits: the files go when the delete commits.
pytestmark = pytest.mark.django_db(transaction=True)


def files_under(root):
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def rendition_folder(photo):
    from thumbnails.naming import rendition_prefix

    return rendition_prefix(photo.image.name)


def test_deleting_a_photo_in_the_admin_deletes_its_files_and_invalidates_them(
    distribution, editor_client, make_photo, settings
):
    keep = make_photo(alt_text="Keep me")
    doomed = make_photo(alt_text="Delete me")
    folder = rendition_folder(doomed)
    media = settings.MEDIA_ROOT
    assert any(f.startswith(folder) for f in files_under(media)), "renditions were made"

    response = editor_client.post(f"/admin/blog/photo/{doomed.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302

    left = files_under(media)
    assert doomed.image.name not in left
    assert not any(f.startswith(folder) for f in left), left
    assert keep.image.name in left and any(f.startswith(rendition_folder(keep)) for f in left)
    assert list(distribution().values()) == [{f"/{folder}*"}]


def test_replacing_the_file_deletes_the_old_upload_and_renditions(make_photo, settings):
    photo = make_photo()
    old_name, old_folder = photo.image.name, rendition_folder(photo)
    photo.image.save("other.jpg", ContentFile(jpeg_bytes((80, 60))), save=True)
    left = files_under(settings.MEDIA_ROOT)
    assert old_name not in left and not any(f.startswith(old_folder) for f in left)
    assert photo.image.name in left


def test_a_folder_whose_manifest_names_another_upload_is_left_alone(make_photo, settings):
    """Two uploads whose names differ only in their extension share a rendition folder; the
    manifest says whose the renditions are, and only the owner's delete removes them."""
    from blog.models import Photo

    photo = make_photo()
    folder = Path(settings.MEDIA_ROOT) / rendition_folder(photo)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["key"] = photo.image.name.rsplit(".", 1)[0] + ".png"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    before = sorted(p.name for p in folder.iterdir())

    Photo.objects.filter(pk=photo.pk).delete()
    assert sorted(p.name for p in folder.iterdir()) == before
    assert not (Path(settings.MEDIA_ROOT) / photo.image.name).exists()


def test_a_file_still_used_by_another_photo_is_kept(make_photo, settings):
    from blog.models import Photo

    photo = make_photo()
    twin = Photo.objects.create(alt_text="Same file", image=photo.image.name)
    photo.delete()
    assert (Path(settings.MEDIA_ROOT) / twin.image.name).exists()
    assert any(f.startswith(rendition_folder(twin)) for f in files_under(settings.MEDIA_ROOT))
