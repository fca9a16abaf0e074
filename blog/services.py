"""Writes with side effects. Views and the admin call these; they never write posts directly."""

from django.db import transaction
from django.utils import timezone

EDITOR_MODELS = ("post", "photo", "tag", "authorprofile")


def ensure_editors_group(Group=None, Permission=None):
    """The "Editors" group, with every permission on posts, photos, tags and author profiles.
    Idempotent; the migration runs it with its historical models, `seed_demo` with the real ones
    (a test database flushed by a transactional test has lost what the migration made)."""
    if Group is None:
        from django.contrib.auth.models import Group, Permission
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(content_type__app_label="blog", content_type__model__in=EDITOR_MODELS)
    )
    return editors


@transaction.atomic
def publish_posts(posts, when=None):
    """Publish the given posts at `when` (now by default). Posts already published keep their
    original date, so a bulk action never reshuffles the archive. Returns how many changed."""
    when = when or timezone.now()
    changed = 0
    for post in posts.select_for_update().exclude(publish_at__lte=timezone.now()):
        post.publish_at = when
        post.save(update_fields=["publish_at", "updated_at"])
        changed += 1
    return changed


@transaction.atomic
def unpublish_posts(posts):
    """Take posts back to draft. Returns how many changed."""
    changed = 0
    for post in posts.select_for_update().filter(publish_at__isnull=False):
        post.publish_at = None
        post.save(update_fields=["publish_at", "updated_at"])
        changed += 1
    return changed
