"""Publishing reaches readers at once: any save, tag change or delete of a post that readers
can see (before or after the change) queues a CloudFront invalidation of every path that
shows it, sent once after the transaction commits. So do the things a post's pages show of
others: a tag renamed or deleted, an author renamed, a photo changed (blog.paths); those, and
a post's tags, also mark stale the stored cards that show them (blog.cards), which the admin's
m2m saves and the auth models' saves only announce through these signals. Scheduled
posts are announced by `blog.tasks.publish_due_posts` when they become due. A post going live
sends `blog.publishing.post_published` (the newsletter listens). A photo's upload
and renditions go when the photo is deleted or given another file
(`blog.renditions.discard_upload`). A published post's old slug keeps redirecting.

Why these stay signals when other side effects are services (`blog.services`): each reacts to
a change of what readers see that reaches the database by many doors the project does not own:
the admin's change form, its bulk delete, the tags widget's m2m writes, a user renamed in
`auth`, `manage.py shell`. A service is called by the code that publishes (publish, unpublish,
the scheduled release, rendition results); a signal is the one hook that sees every other door,
and each receiver only queues work for after the commit (`blog.purge.purge_after_commit`,
`transaction.on_commit`), never does it inside the save."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from blog import services
from blog.models import AuthorProfile, Photo, Post, Tag
from blog.paths import paths_of_posts, post_paths, visible_state
from blog.publishing import post_published
from blog.purge import purge_after_commit
from blog.renditions import discard_upload, settle_new_upload

# What readers see of a photo: a change to any of these changes the pages that show it.
PHOTO_VISIBLE_FIELDS = ("image", "alt_text", "caption", "renditions_status", "renditions", "width", "height")
AUTHOR_VISIBLE_FIELDS = ("username", "first_name", "last_name")


@receiver(pre_save, sender=Post)
def remember_visible_state(sender, instance, raw=False, **kwargs):
    # The paths that showed the post before the save must go too (a new slug, a new author).
    if raw or not instance.pk:
        instance._visible_before = None
        return
    old = Post.objects.filter(pk=instance.pk).select_related("author").first()
    instance._visible_before = visible_state(old) if old else None


@receiver(post_save, sender=Post)
def invalidate_saved_post(sender, instance, created=False, raw=False, **kwargs):
    # Every save path (admin, services, shell) ends here: one place purges what readers saw.
    if raw:
        return
    before = getattr(instance, "_visible_before", None)
    if before and before[0] != instance.slug:
        services.keep_old_slug(instance, before[0])
    paths = set()
    for state in (before, visible_state(instance)):
        if state:
            paths |= post_paths(*state)
    if instance.is_published and instance.announced_at != instance.publish_at:
        # Readers now see this publish time: the schedule need not announce it again.
        Post.objects.filter(pk=instance.pk).update(announced_at=instance.publish_at)
        instance.announced_at = instance.publish_at
        if not created:
            # An existing post went live: Publish now, or a save that found it due. (A post
            # created already published, as fixtures and the demo content are, did not "go
            # live" for anyone: no newsletter.)
            post_published.send(sender=Post, post=instance)
    purge_after_commit(paths)


@receiver(m2m_changed, sender=Post.tags.through)
def invalidate_retagged_post(sender, instance, action, pk_set, reverse=False, **kwargs):
    # The admin saves tags after the post (save_m2m): only this signal sees them change.
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if not reverse:
        services.cards_changed(Post.objects.filter(pk=instance.pk))
    else:
        services.cards_changed(
            instance.posts.all() if action == "pre_clear" else Post.objects.filter(pk__in=pk_set)
        )
    posts = [instance] if not reverse else list(instance.posts.published().select_related("author"))
    for post in posts:
        if not post.is_published:
            continue
        slugs = {tag.slug for tag in post.tags.all()}
        if pk_set and not reverse:
            slugs |= set(Tag.objects.filter(pk__in=pk_set).values_list("slug", flat=True))
        old = post.old_slugs.values_list("slug", flat=True)
        purge_after_commit(post_paths(post.slug, post.author.username, slugs, old))


@receiver(pre_delete, sender=Post)
def remember_deleted_post(sender, instance, **kwargs):
    # Before the delete cascades to its old slugs, whose redirects must go too.
    instance._visible_before = visible_state(instance)


@receiver(post_delete, sender=Post)
def invalidate_deleted_post(sender, instance, **kwargs):
    # A delete from the admin's list or a cascade calls no service: only the signal sees it.
    state = getattr(instance, "_visible_before", None)
    if state:
        purge_after_commit(post_paths(*state))


# --- what posts' pages show of others: tags, authors, photos -----------------------------------


@receiver(pre_save, sender=Tag)
def remember_tag(sender, instance, raw=False, **kwargs):
    # A rename must also purge the pages of the old slug, which only the stored row knows.
    old = (
        Tag.objects.filter(pk=instance.pk).values("name", "slug").first() if instance.pk and not raw else None
    )
    instance._before = old


@receiver(post_save, sender=Tag)
def invalidate_renamed_tag(sender, instance, raw=False, **kwargs):
    # Tag pages and every card carrying the tag print its name and slug.
    old = getattr(instance, "_before", None)
    if raw or not old or old == {"name": instance.name, "slug": instance.slug}:
        return
    services.cards_changed(instance.posts.all())
    purge_after_commit(paths_of_posts(instance.posts.all(), extra_tags=[old["slug"]]))


@receiver(pre_delete, sender=Tag)
def invalidate_deleted_tag(sender, instance, **kwargs):
    # Now, while the posts still carry it: the delete removes the links first, and sends no
    # m2m signal.
    services.cards_changed(instance.posts.all())
    purge_after_commit(paths_of_posts(instance.posts.all(), extra_tags=[instance.slug]))


@receiver(pre_save, sender=AuthorProfile)
def remember_profile(sender, instance, raw=False, **kwargs):
    # Only a changed display name changes pages: compare with the stored one after the save.
    instance._before = None
    if instance.pk and not raw:
        instance._before = (
            AuthorProfile.objects.filter(pk=instance.pk).values_list("display_name", flat=True).first()
        )


@receiver(post_save, sender=AuthorProfile)
def invalidate_renamed_author(sender, instance, created, raw=False, **kwargs):
    # A new profile names the author too: pages showed the full name or username before.
    if raw or (not created and getattr(instance, "_before", None) == instance.display_name):
        return
    services.cards_changed(Post.objects.filter(author_id=instance.user_id))
    purge_after_commit(paths_of_posts(Post.objects.filter(author_id=instance.user_id)))


@receiver(post_delete, sender=AuthorProfile)
def invalidate_unnamed_author(sender, instance, **kwargs):
    # Without a profile, pages name the author by full name or username again.
    services.cards_changed(Post.objects.filter(author_id=instance.user_id))
    purge_after_commit(paths_of_posts(Post.objects.filter(author_id=instance.user_id)))


@receiver(pre_save, sender=get_user_model())
def remember_user(sender, instance, raw=False, update_fields=None, **kwargs):
    # Users are saved by auth itself (logins, passwords): only names shown on pages count.
    instance._shown_before = None
    if (
        raw
        or not instance.pk
        or (update_fields is not None and not set(update_fields) & set(AUTHOR_VISIBLE_FIELDS))
    ):
        return
    instance._shown_before = sender.objects.filter(pk=instance.pk).values(*AUTHOR_VISIBLE_FIELDS).first()


@receiver(post_save, sender=get_user_model())
def invalidate_renamed_user(sender, instance, raw=False, **kwargs):
    # The username is in author links, and the full name shows where there is no profile.
    old = getattr(instance, "_shown_before", None)
    if raw or not old or all(old[name] == getattr(instance, name) for name in AUTHOR_VISIBLE_FIELDS):
        return
    posts = Post.objects.filter(author=instance)
    services.cards_changed(posts)
    purge_after_commit(paths_of_posts(posts, old_username=old["username"]))


# --- photos ----------------------------------------------------------------------------------


@receiver(pre_save, sender=Photo)
def reset_renditions_on_new_image(sender, instance, raw=False, update_fields=None, **kwargs):
    """A new file means new renditions: until they are made, the photo is pending. Notes
    whether what readers see of it may change, for the pages that show it."""
    instance._new_image, instance._replaced_image, instance._shown_change = False, None, False
    if raw:
        return
    if update_fields is not None and "image" not in update_fields:
        # The file cannot change (a status refresh, which saves only what changed): no need
        # to read the stored row.
        instance._shown_change = bool(set(update_fields) & set(PHOTO_VISIBLE_FIELDS))
        return
    old = Photo.objects.filter(pk=instance.pk).values(*PHOTO_VISIBLE_FIELDS).first() if instance.pk else None
    old_name = old["image"] if old else None
    instance._new_image = old_name != instance.image.name
    instance._replaced_image = old_name if instance._new_image else None
    if instance._new_image:
        instance.renditions_status = Photo.Renditions.PENDING
        instance.renditions_reason = ""
        instance.renditions = []
        instance.pending_since = timezone.now()
        instance.render_attempts = 0
    if old:
        now = {name: getattr(instance, name) for name in PHOTO_VISIBLE_FIELDS}
        instance._shown_change = {**now, "image": instance.image.name} != old


@receiver(post_save, sender=Photo)
def make_renditions_locally(sender, instance, raw=False, **kwargs):
    # Read before anything runs: outside a transaction on_commit runs at once, and the
    # delivery saves the photo again, which resets these.
    replaced, instance._replaced_image = getattr(instance, "_replaced_image", None), None
    shown_change, instance._shown_change = getattr(instance, "_shown_change", False), False
    if raw:
        return
    if shown_change:
        services.show_changed_photo(instance)
    if getattr(instance, "_new_image", False):
        instance._new_image = False
        transaction.on_commit(lambda: settle_new_upload(instance))
    if replaced:
        transaction.on_commit(lambda: discard_upload(replaced))


@receiver(post_delete, sender=Photo)
def discard_deleted_photo(sender, instance, **kwargs):
    """A deleted photo takes its upload and renditions with it (an editor deleting a photo
    expects it gone, GPS and all), once the delete has committed."""
    name = instance.image.name
    transaction.on_commit(lambda: discard_upload(name))
