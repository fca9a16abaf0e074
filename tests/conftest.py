"""Shared fixtures: content made through the models, media in a temporary folder."""

import io
import itertools
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://blog.example.com"
    # Local state (subscriber store, outbox) never touches the developer's var/ folder.
    settings.VAR_DIR = tmp_path / "var"
    settings.SUBSCRIBER_STORE = {
        "BACKEND": "welcome.local_store.LocalSubscriberStore",
        "OPTIONS": {"path": str(tmp_path / "var" / "subscribers.sqlite3")},
    }
    settings.WELCOME_OUTBOX_DIR = str(tmp_path / "var" / "outbox")
    from blog.purge import discard_pending
    from common.aws import forget_clients
    from welcome.store import _make_store

    # The last test's transaction rolled back: the paths it queued were never a change (and
    # past 25 under one prefix they would turn this test's paths into a wildcard).
    discard_pending()

    _make_store.cache_clear()
    # AWS clients live once per process, as in a Lambda container; each test mocks its own AWS.
    forget_clients()
    # The production hasher is slow on purpose; tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """The default cache holds the subscribe rate-limit counters: no test inherits another's."""
    from django.core.cache import caches

    caches["default"].clear()


def jpeg_bytes(size=(64, 48), colour=(200, 120, 40)):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def make_author(db):
    from blog.models import AuthorProfile

    def make(username=None, display_name=None, **extra):
        username = username or f"author{next(_counter)}"
        user = get_user_model().objects.create_user(username=username, password="x", **extra)
        AuthorProfile.objects.create(user=user, display_name=display_name or username.title(), bio="Writes.")
        return user

    return make


@pytest.fixture
def make_photo(db):
    from blog.models import Photo

    def make(alt_text="A red door", size=(64, 48), renditions=True):
        """A photo; with `renditions`, its S3 event delivered (as on commit) so they exist."""
        from blog.renditions import deliver_upload_locally

        photo = Photo(alt_text=alt_text, caption="Caption")
        photo.image.save("photo.jpg", ContentFile(jpeg_bytes(size), name="photo.jpg"), save=False)
        photo.width, photo.height = size  # what the admin reads from an upload's header
        photo.save()
        if renditions:
            deliver_upload_locally(photo)
        return photo

    return make


@pytest.fixture
def make_post(db, make_author):
    from blog.models import Post, Tag

    def make(state="published", title=None, author=None, tags=(), cover=None, body="Hello *world*.", **extra):
        n = next(_counter)
        publish_at = {
            "published": timezone.now() - timedelta(hours=n),
            "scheduled": timezone.now() + timedelta(days=1),
            "draft": None,
        }[state]
        post = Post.objects.create(
            title=title or f"Post number {n}",
            slug=extra.pop("slug", None) or f"post-{n}",
            summary=extra.pop("summary", f"Summary {n}"),
            body=body,
            author=author or make_author(),
            cover=cover,
            publish_at=extra.pop("publish_at", publish_at),
            **extra,
        )
        for name in tags:
            tag, _ = Tag.objects.get_or_create(name=name, slug=name.lower())
            post.tags.add(tag)
        return post

    return make


@pytest.fixture
def editor(db):
    from blog.services import ensure_editors_group

    user = get_user_model().objects.create_user(
        username="ed", password="correct horse battery", is_staff=True
    )
    user.groups.add(ensure_editors_group())
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def staff_client(client, db):
    """staff_client(*perms): the test client logged in as a staff member who holds exactly
    `perms` ("app_label.codename"), and no group."""
    from django.contrib.auth.models import Permission

    def make(*perms):
        user = get_user_model().objects.create_user(
            username=f"staff{next(_counter)}", password="x", is_staff=True
        )
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        client.force_login(user)
        return client

    return make


@pytest.fixture
def outbox(settings):
    """The .eml files the local sender wrote, oldest first."""
    from pathlib import Path

    def read():
        folder = Path(settings.WELCOME_OUTBOX_DIR)
        return sorted(folder.glob("*.eml")) if folder.is_dir() else []

    return read
