"""Writes with side effects. Views and the admin call these; they never write posts directly."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from blog.bodies import render_body
from blog.cards import mark_stale
from blog.models import OldSlug, Photo, Post
from blog.paths import paths_of_posts
from blog.purge import purge_after_commit

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
    when = _to_the_second(when or timezone.now())
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


def _to_the_second(moment):
    # Editors read times to the minute or second; readers' pages carry them in <time>.
    return moment.replace(microsecond=0)


def publish_post(post):
    """Publish `post` now (a post already live keeps its date). Returns True if it changed."""
    changed = publish_posts(Post.objects.filter(pk=post.pk))
    post.refresh_from_db(fields=["publish_at", "updated_at", "announced_at"])
    return bool(changed)


@transaction.atomic
def schedule_post(post, when):
    """Make `post` go live at `when`, a time still to come: until then readers see nothing
    of it (and, if it was live, no longer see it). The minute schedule announces it when due."""
    if when is None or when <= timezone.now():
        raise ValidationError("Choose a time that is still to come.")
    locked = Post.objects.select_for_update().get(pk=post.pk)
    locked.publish_at = _to_the_second(when)
    locked.save(update_fields=["publish_at", "updated_at"])
    post.publish_at, post.updated_at = locked.publish_at, locked.updated_at


def unpublish_post(post):
    """Take `post` back to draft. Returns True if it changed."""
    changed = unpublish_posts(Post.objects.filter(pk=post.pk))
    post.refresh_from_db(fields=["publish_at", "updated_at"])
    return bool(changed)


def keep_old_slug(post, old_slug):
    """A published post was renamed: its old URL now redirects to it for good. A post taking
    back one of its own old slugs drops that redirect."""
    OldSlug.objects.filter(post=post, slug=post.slug).delete()
    if old_slug and old_slug != post.slug:
        OldSlug.objects.update_or_create(slug=old_slug, defaults={"post": post})


def show_changed_photo(photo):
    """A photo's picture changed (new file, renditions made or failed, alt text, caption):
    render again the bodies that show it, mark stale the cards of the posts it covers and of
    those whose body changed (their feed items carry the body), and invalidate every page that
    shows it, in a body or as a cover. Body HTML is written without touching `updated_at`
    (the post was not edited)."""
    with transaction.atomic():
        rerendered = []
        for post in Post.objects.filter(body_photos=photo).only("pk", "body", "body_html"):
            html, _ = render_body(post.body, Photo.objects.in_bulk)
            if html != post.body_html:
                Post.objects.filter(pk=post.pk).update(body_html=html)
                rerendered.append(post.pk)
        cards_changed(Post.objects.filter(Q(cover=photo) | Q(pk__in=rerendered)))
        showing = Post.objects.filter(Q(body_photos=photo) | Q(cover=photo)).distinct()
        purge_after_commit(paths_of_posts(showing))
    return len(rerendered)


def cards_changed(posts):
    """Something the cards of `posts` (a queryset) show has changed outside the posts' own
    rows (a tag, an author's name, a cover, a body's photo): lists and feeds render those
    cards again."""
    return mark_stale(posts)
