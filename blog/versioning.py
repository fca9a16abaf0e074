"""The content version: what the page cache (`blog.pagecache`) is keyed on.

Two parts, read together in one query:

- a counter in one row (`SiteVersion`), bumped whenever something readers can see is saved or
  deleted: posts and their tags, tags, photos, author profiles, users;
- the newest publish time that has passed. A scheduled post goes live without any save, but
  when it does it is newer than every post already live, so this moves.

The bump is an UPDATE in the writer's own transaction, after its write, so readers see the new
content and the new version together. A bump before the write (or in an earlier commit) would
let a reader take the new version, render the old content and cache it under the new key.
The row lock this takes makes concurrent editors' transactions queue for each other at the
bump; at a blog's rate of edits that costs nothing.

Writes that send no signals (`QuerySet.update()`, `bulk_create()`, raw SQL) must call
`bump_site_version()` themselves, as they must also queue a CloudFront invalidation.
"""

import secrets

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from blog.models import AuthorProfile, Photo, Post, SiteVersion, Tag

SITE_VERSION_PK = 1
# Saved user fields no page shows: a login (last_login) is no reason to drop every page.
PRIVATE_USER_FIELDS = frozenset({"last_login", "password"})
VERSION_SQL = (
    "SELECT (SELECT {value} FROM {version} WHERE {pk} = %s),"
    " (SELECT {publish_at} FROM {post} WHERE {publish_at} <= %s ORDER BY {publish_at} DESC LIMIT 1)"
)
_sql = {}  # vendor: VERSION_SQL with its names


def current_version(now=None):
    """(counter, newest visible publish time), in one query, or None if the row is missing
    (it is made again). The time is as the database returns it: only ever compared."""
    publish_at = Post._meta.get_field("publish_at")
    now = publish_at.get_db_prep_value(now or timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), [SITE_VERSION_PK, now])
        counter, newest = cursor.fetchone()
    if counter is not None:
        return counter, newest
    _recreate_row()
    return None


def _version_sql():
    """Plain SQL, made once: through the QuerySet API this query took 0.5 ms of building and
    compiling per request, more than all the rest of a cached page. Scalar subqueries, so
    there is always one row; the newest publish time is read from the index on publish_at."""
    if connection.vendor not in _sql:
        qn = connection.ops.quote_name
        post, version = Post._meta, SiteVersion._meta
        names = {
            "value": qn(version.get_field("value").column),
            "version": qn(version.db_table),
            "pk": qn(version.pk.column),
            "post": qn(post.db_table),
            "publish_at": qn(post.get_field("publish_at").column),
        }
        # Only quoted names from the models go in; the values are parameters.
        _sql[connection.vendor] = VERSION_SQL.format(**names)
    return _sql[connection.vendor]


def bump_site_version():
    """Tell every process that what readers see has changed."""
    if SiteVersion.objects.filter(pk=SITE_VERSION_PK).update(value=F("value") + 1):
        return
    if not _recreate_row():  # someone else made it meanwhile: bump theirs
        SiteVersion.objects.filter(pk=SITE_VERSION_PK).update(value=F("value") + 1)


def _recreate_row():
    """The migration makes the row; a flushed or restored database may lack it. A new row
    starts at a random value, never at one that keyed pages cached before it went missing."""
    _, created = SiteVersion.objects.get_or_create(
        pk=SITE_VERSION_PK, defaults={"value": secrets.randbits(52)}
    )
    return created


# `raw` saves (loaddata) change content too: no receiver here skips them.
@receiver(post_save, sender=Post, dispatch_uid="version-post-saved")
@receiver(post_delete, sender=Post, dispatch_uid="version-post-deleted")
@receiver(post_save, sender=Tag, dispatch_uid="version-tag-saved")
@receiver(post_delete, sender=Tag, dispatch_uid="version-tag-deleted")
@receiver(post_save, sender=Photo, dispatch_uid="version-photo-saved")
@receiver(post_delete, sender=Photo, dispatch_uid="version-photo-deleted")
@receiver(post_save, sender=AuthorProfile, dispatch_uid="version-profile-saved")
@receiver(post_delete, sender=AuthorProfile, dispatch_uid="version-profile-deleted")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="version-user-deleted")
def content_changed(sender, **kwargs):
    bump_site_version()


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="version-user-saved")
def user_saved(sender, update_fields=None, **kwargs):
    # Pages show a username and, without a profile, the full name: any other save may change them.
    if update_fields and PRIVATE_USER_FIELDS.issuperset(update_fields):
        return
    bump_site_version()


@receiver(m2m_changed, sender=Post.tags.through, dispatch_uid="version-post-tags-changed")
def post_tags_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        bump_site_version()
