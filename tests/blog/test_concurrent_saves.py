"""Editors saving at once on SQLite wait their turn instead of failing, and an upload whose
record fails to save leaves no file behind."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.models.signals import post_save

from blog.models import Photo

SCRIPT = Path(__file__).with_name("concurrent_admin.py")


def test_concurrent_admin_saves_on_sqlite_all_succeed(tmp_path):
    """20 photo uploads and 10 new posts through the admin at the same moment, each on its
    own thread and connection, against a SQLite file with the settings' own options: every
    one is saved (deferred transactions failed with "database is locked"), and the uploads
    folder holds exactly the files the photo records name."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), "20", "10"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["journal_mode"] == "wal"
    assert report["upload_statuses"] == [302] * 20, result.stderr[-3000:]
    assert report["post_statuses"] == [302] * 10, result.stderr[-3000:]
    assert (report["photos"], report["posts"]) == (20, 10)
    assert report["files"] == report["stored_names"]


@pytest.mark.django_db(transaction=True)
def test_an_upload_whose_record_fails_leaves_no_file(settings, client):
    """The browser has stored the file when the photo is saved; when saving the row fails
    (here the database refuses it as busy), the upload is deleted at once: no original, GPS
    and all, is left in storage without a record, not even until the orphan sweep."""
    from django.contrib.auth import get_user_model

    from tests.blog.uploads import image_bytes, upload

    editor = get_user_model().objects.create_superuser("boss", password="x")
    client.force_login(editor)
    client.raise_request_exception = False
    key = upload(client, client, image_bytes(), "door.jpg")
    uploads = Path(settings.MEDIA_ROOT) / "uploads"
    assert [p for p in uploads.rglob("*") if p.is_file()], "stored before the save"

    def busy(sender, instance, **kwargs):
        raise OperationalError("database is locked")

    post_save.connect(busy, sender=Photo, dispatch_uid="busy")
    try:
        response = client.post("/admin/blog/photo/add/", {"image": key, "alt_text": "A door", "caption": ""})
    finally:
        post_save.disconnect(sender=Photo, dispatch_uid="busy")
    assert response.status_code == 500
    assert Photo.objects.count() == 0
    assert [p for p in uploads.rglob("*") if p.is_file()] == []
