"""Publishing reaches readers at once: any save, tag change or delete of a post that readers
can see (before or after the change) queues a CloudFront invalidation of every path that
shows it, sent once after the transaction commits. Scheduled posts are announced by
`blog.tasks.publish_due_posts` when they become due. A photo's upload and renditions go when
the photo is deleted or given another file (`blog.renditions.discard_upload`)."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from blog.cdn import invalidate_after_commit, post_paths
from blog.models import Photo, Post, Tag
from blog.renditions import discard_upload, settle_new_upload


def _visible_state(post):
    """What readers see of a post: its slug, author and tags, or None if they see nothing."""
    if not post.is_published:
        return None
    tags = [tag.slug for tag in post.tags.all()] if post.pk else []
    return post.slug, post.author.username, tags


@receiver(pre_save, sender=Post)
def remember_visible_state(sender, instance, raw=False, **kwargs):
    if raw or not instance.pk:
        instance._visible_before = None
        return
    old = Post.objects.filter(pk=instance.pk).select_related("author").first()
    instance._visible_before = _visible_state(old) if old else None


@receiver(post_save, sender=Post)
def invalidate_saved_post(sender, instance, raw=False, **kwargs):
    if raw:
        return
    paths = set()
    for state in (getattr(instance, "_visible_before", None), _visible_state(instance)):
        if state:
            paths |= post_paths(*state)
    if instance.is_published and instance.announced_at != instance.publish_at:
        # Readers now see this publish time: the schedule need not announce it again.
        Post.objects.filter(pk=instance.pk).update(announced_at=instance.publish_at)
        instance.announced_at = instance.publish_at
    invalidate_after_commit(paths)


@receiver(m2m_changed, sender=Post.tags.through)
def invalidate_retagged_post(sender, instance, action, pk_set, reverse=False, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    posts = [instance] if not reverse else list(instance.posts.published().select_related("author"))
    for post in posts:
        if not post.is_published:
            continue
        slugs = {tag.slug for tag in post.tags.all()}
        if pk_set and not reverse:
            slugs |= set(Tag.objects.filter(pk__in=pk_set).values_list("slug", flat=True))
        invalidate_after_commit(post_paths(post.slug, post.author.username, slugs))


@receiver(post_delete, sender=Post)
def invalidate_deleted_post(sender, instance, **kwargs):
    state = getattr(instance, "_visible_before", None) or _visible_state(instance)
    if state:
        invalidate_after_commit(post_paths(*state))


@receiver(pre_save, sender=Photo)
def reset_renditions_on_new_image(sender, instance, raw=False, update_fields=None, **kwargs):
    """A new file means new renditions: until they are made, the photo is pending."""
    if raw:
        return
    if update_fields is not None and "image" not in update_fields:
        # The file cannot change (a status refresh): no need to read the stored name.
        instance._new_image, instance._replaced_image = False, None
        return
    old_name = (
        Photo.objects.filter(pk=instance.pk).values_list("image", flat=True).first() if instance.pk else None
    )
    instance._new_image = old_name != instance.image.name
    instance._replaced_image = old_name if instance._new_image else None
    if instance._new_image:
        instance.renditions_status = Photo.Renditions.PENDING
        instance.renditions_reason = ""
        instance.renditions = []
        instance.pending_since = timezone.now()
        instance.render_attempts = 0


@receiver(post_save, sender=Photo)
def make_renditions_locally(sender, instance, raw=False, **kwargs):
    # Read before anything runs: outside a transaction on_commit runs at once, and the
    # delivery saves the photo again, which resets these.
    replaced = getattr(instance, "_replaced_image", None)
    instance._replaced_image = None
    if not raw and getattr(instance, "_new_image", False):
        instance._new_image = False
        transaction.on_commit(lambda: settle_new_upload(instance))
    if not raw and replaced:
        transaction.on_commit(lambda: discard_upload(replaced))


@receiver(post_delete, sender=Photo)
def discard_deleted_photo(sender, instance, **kwargs):
    """A deleted photo takes its upload and renditions with it (an editor deleting a photo
    expects it gone, GPS and all), once the delete has committed."""
    name = instance.image.name
    transaction.on_commit(lambda: discard_upload(name))
