"""Run as a script by tests/blog/test_concurrent_saves.py: editors saving at once through the
admin, each in a thread of its own with its own database connection, as a threaded server
(runserver, gunicorn's threads) runs them, on a SQLite file with the settings' own options.

Usage: python concurrent_admin.py <work dir> <uploads> <posts>. Prints one JSON report."""

import io
import json
import os
import sys
import threading
from pathlib import Path

WORK = Path(sys.argv[1])
UPLOADS, POSTS = int(sys.argv[2]), int(sys.argv[3])
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="blog.settings",
    SECRET_KEY="concurrency-test-not-a-secret-" + "x" * 30,
    ALLOWED_HOSTS="testserver",
    SECURE_SSL_REDIRECT="false",
    DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
    VAR_DIR=str(WORK / "var"),
    # The renditions are not the point here: no local S3 events.
    LOCAL_EVENTS="false",
    LOG_LEVEL="ERROR",
)
for name in ("DEBUG", "MEDIA_BUCKET", "SUBSCRIBERS_TABLE", "SSM_PREFIX", "AWS_LAMBDA_FUNCTION_NAME"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from PIL import Image  # noqa: E402

from blog.models import Photo, Post  # noqa: E402

call_command("migrate", verbosity=0)
editor = get_user_model().objects.create_superuser("editor", password="x")
connection.close()


def jpeg(i):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (i * 10 % 255, 90, 40)).save(buffer, "JPEG")
    buffer.name = f"photo-{i}.jpg"
    buffer.seek(0)
    return buffer


def upload(client, i):
    """The admin's direct upload: a grant, the file to the local storage endpoint, the save."""
    data = jpeg(i).getvalue()
    grant = client.post(
        "/admin/blog/photo/upload-grant/",
        {"filename": f"photo-{i}.jpg", "type": "image/jpeg", "size": len(data)},
        content_type="application/json",
    ).json()
    stored = client.post(grant["url"], {**grant["fields"], "file": io.BytesIO(data)})
    assert stored.status_code == 204, stored.content
    return client.post(
        "/admin/blog/photo/add/", {"image": grant["key"], "alt_text": f"Photo {i}", "caption": ""}
    )


def new_post(client, i):
    data = {"title": f"Post {i}", "slug": f"post-{i}", "author": editor.pk, "summary": "", "body": "Hi."}
    return client.post("/admin/blog/post/add/", data)


jobs = [(upload, i) for i in range(UPLOADS)] + [(new_post, i) for i in range(POSTS)]
clients = []
for _ in jobs:
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    clients.append(client)
connection.close()
start = threading.Barrier(len(jobs))
statuses = [None] * len(jobs)


def run(n):
    job, i = jobs[n]
    start.wait()
    try:
        statuses[n] = job(clients[n], i).status_code
    except Exception as error:  # the report says what happened; the test judges it
        statuses[n] = f"{type(error).__name__}: {error}"
    finally:
        connection.close()


threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

uploads = Path(settings.MEDIA_ROOT) / "uploads"
print(
    json.dumps(
        {
            "journal_mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0],
            "upload_statuses": statuses[:UPLOADS],
            "post_statuses": statuses[UPLOADS:],
            "photos": Photo.objects.count(),
            "files": sorted(str(p.relative_to(uploads)) for p in uploads.rglob("*") if p.is_file())
            if uploads.exists()
            else [],
            "stored_names": sorted(
                n.removeprefix("uploads/") for n in Photo.objects.values_list("image", flat=True)
            ),
            "posts": Post.objects.count(),
        }
    )
)
