"""The content model: posts, tags, photos and author profiles.

A post's state follows from one field, `publish_at`: none means draft, a future time means
scheduled, a past time means published. Readers only ever see `Post.objects.published()`.
"""

import posixpath
import re
import secrets
import textwrap

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.text import slugify

from blog.bodies import render_body
from blog.search import search_posts
from blog.urlpaths import path_for
from blog.xmltext import xml_safe
from thumbnails.naming import rendition_key


class XmlSafeTextModel(models.Model):
    """Strips characters XML 1.0 forbids from `xml_text_fields`, so the feeds can always carry
    them. In `clean()` too, so a form checks uniqueness against the value that gets stored."""

    xml_text_fields = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._strip_xml_invalid()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self._strip_xml_invalid()

    def _strip_xml_invalid(self):
        for name in self.xml_text_fields:
            setattr(self, name, xml_safe(getattr(self, name)))


class TagQuerySet(models.QuerySet):
    def with_post_counts(self):
        """Tags with the number of *published* posts each carries."""
        published = Q(posts__publish_at__lte=timezone.now())
        return self.annotate(post_count=Count("posts", filter=published))

    def in_use(self):
        """Tags on at least one published post: a tag only drafts carry stays unseen."""
        return self.filter(posts__publish_at__lte=timezone.now()).distinct()


class Tag(XmlSafeTextModel):
    xml_text_fields = ("name",)

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return path_for("blog:tag", "slug", self.slug)


def shorten_slug(slug, length):
    """`slug` in at most `length` characters, cut between words where it has any."""
    if len(slug) <= length:
        return slug
    cut = slug[: length + 1].rsplit("-", 1)[0]
    return (cut if cut and len(cut) <= length else slug[:length]).strip("-")


def shorten_text(text, length):
    """`text` in at most `length` characters, cut between words and marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return textwrap.shorten(text, length, placeholder="…", break_long_words=False) or text[: length - 1] + "…"


def photo_upload_to(photo, filename):
    """`uploads/YYYY/MM/<name>-<random>.<ext>`: every upload gets a name of its own. Renditions
    are cached for a year as immutable, so a new photo must never reuse an old one's name (nor
    its stem: `a.jpg` and `a.png` would share a rendition folder)."""
    stem, extension = posixpath.splitext(posixpath.basename(filename))
    name = shorten_slug(slugify(stem), 60) or "photo"
    return f"uploads/{timezone.now():%Y/%m}/{name}-{secrets.token_hex(4)}{extension.lower()[:10]}"


class PhotoQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(renditions_status=Photo.Renditions.PENDING)

    def waiting_since(self, cutoff):
        """Pending photos whose current file has waited since `cutoff` or longer, oldest first."""
        return self.pending().filter(pending_since__lte=cutoff).order_by("pending_since")


class Photo(models.Model):
    class Renditions(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    # The key of the upload in media storage. The admin's browser puts the file there itself
    # (blog/uploads.py): Django never reads the photo, so no width_field/height_field, which
    # would open the whole file; `width`/`height` come from its header or its renditions.
    image = models.ImageField(upload_to=photo_upload_to, max_length=255)
    alt_text = models.CharField(
        max_length=250,
        help_text="Describe the photo for readers who cannot see it. Required.",
    )
    caption = models.CharField(max_length=300, blank=True)
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # What the thumbnails handler reported in its manifest (blog.renditions keeps these in step).
    renditions_status = models.CharField(
        max_length=10, choices=Renditions.choices, default=Renditions.PENDING, editable=False
    )
    renditions_reason = models.CharField(max_length=200, blank=True, editable=False)
    renditions = models.JSONField(default=list, blank=True, editable=False)
    # When the current file started waiting for its renditions, and how often the schedule
    # has rendered it itself because no manifest came (a lost event, a rendering killed).
    pending_since = models.DateTimeField(null=True, blank=True, editable=False)
    render_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return shorten_text(self.alt_text, 60)

    @property
    def failed(self):
        return self.renditions_status == self.Renditions.FAILED

    @property
    def markdown(self):
        """What an editor writes in a post's body to show this photo there."""
        return f"![](photo:{self.pk})"

    @property
    def ready(self):
        return self.renditions_status == self.Renditions.READY and bool(self.renditions)

    def rendition_set(self, fmt):
        """[(width, height, url)] of the renditions in `fmt`, narrowest first."""
        found = sorted((r["width"], r["height"]) for r in self.renditions if r["format"] == fmt)
        return [(w, h, default_storage.url(rendition_key(self.image.name, w, fmt))) for w, h in found]

    def largest(self, fmt="jpeg"):
        """(width, height, url) of the widest rendition in `fmt`, or None."""
        found = self.rendition_set(fmt) if self.ready else []
        return found[-1] if found else None


class AuthorProfile(XmlSafeTextModel):
    xml_text_fields = ("display_name",)

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=100)
    bio = models.TextField(blank=True, max_length=1000, help_text="A sentence or two, plain text.")

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return path_for("blog:author", "username", self.user.username)


# What a post stores of itself for lists and feeds (blog.cards), beside `card_stamp`.
CARD_FIELDS = ("card_html", "card_json", "card_feed")


class PostQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(publish_at__lte=now or timezone.now())

    def drafts(self):
        return self.filter(publish_at__isnull=True)

    def scheduled(self, now=None):
        return self.filter(publish_at__gt=now or timezone.now())

    def for_listing(self):
        """Everything a list or page shows, in a fixed number of queries; not the stored cards
        (blog.cards), which are made from it and are about a body's size again."""
        return self.select_related("author__profile", "cover").prefetch_related("tags").defer(*CARD_FIELDS)

    def newest_first(self):
        return self.order_by("-publish_at", "-id")

    def card_rows(self, field="card_html"):
        """(pk, `field`, card_stamp) of each post: what a list needs (blog.cards), with no model
        instances to build."""
        return self.values_list("pk", field, "card_stamp")

    def search(self, query):
        return search_posts(self, query)


class Post(XmlSafeTextModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    xml_text_fields = ("title", "summary", "body")

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=500, blank=True, help_text="Shown in lists and feeds.")
    body = models.TextField(help_text="Markdown. Scripts, styles and frames are removed.")
    body_html = models.TextField(editable=False, default="")
    # The post's card as list pages show it, its item in the API's list and in the feeds, and
    # what they were rendered for (blog.cards).
    card_html = models.TextField(editable=False, default="")
    card_json = models.TextField(editable=False, default="")
    card_feed = models.TextField(editable=False, default="")
    card_stamp = models.CharField(max_length=20, editable=False, default="")
    # A photo a post shows cannot be deleted (the admin names the posts); one whose
    # renditions failed is not offered as a cover.
    cover = models.ForeignKey(
        Photo,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="covered_posts",
        limit_choices_to=~Q(renditions_status="failed"),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    # The photos the body shows (`![](photo:12)`), kept in step by save(): a photo's change
    # re-renders these bodies, and a photo in use cannot be deleted.
    body_photos = models.ManyToManyField(
        Photo, through="PostPhoto", related_name="shown_in_posts", blank=True, editable=False
    )
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="Empty: a draft. In the future: scheduled. In the past: published.",
    )
    # The publish time readers were last told about (CloudFront invalidated for it): the
    # schedule announces a scheduled post once, when it becomes due.
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Read when the post goes live: ticked, its newsletter goes to confirmed subscribers, once
    # per post ever (newsletter/). Posts that went live before newsletters existed are unticked.
    email_subscribers = models.BooleanField(
        "email this post to subscribers",
        default=True,
        help_text="Sent once, when the post goes live (Publish now, or its scheduled time).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-id"]
        indexes = [models.Index(fields=["-publish_at", "-id"], name="post_newest_idx")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Rendered once on save, not per request: pages only print stored, sanitised HTML.
        self._strip_xml_invalid()  # before rendering, so body_html is clean too
        self.body_html, photo_ids = render_body(self.body, Photo.objects.in_bulk)
        # The card shows the post's own fields: whatever changed, the next list page renders it.
        self.card_stamp = stale_card_stamp()
        update_fields = kwargs.get("update_fields")
        if update_fields:
            also = {"card_stamp", "body_html"} if "body" in update_fields else {"card_stamp"}
            kwargs["update_fields"] = {*update_fields, *also}
        super().save(*args, **kwargs)
        if update_fields is None or "body" in update_fields:
            self._keep_body_photos(photo_ids)

    def get_absolute_url(self):
        return path_for("blog:post", "slug", self.slug)

    def clean(self):
        # The admin shows these on the body field; saving without them still stays safe
        # (render_markdown never hands nh3 deep nesting), only slower and less faithful.
        from blog.markdown import body_errors

        super().clean()
        if errors := body_errors(self.body):
            raise ValidationError({"body": errors})

    def _keep_body_photos(self, photo_ids):
        current = set(PostPhoto.objects.filter(post=self).values_list("photo_id", flat=True))
        if current != photo_ids:
            PostPhoto.objects.filter(post=self).exclude(photo_id__in=photo_ids).delete()
            PostPhoto.objects.bulk_create(
                [PostPhoto(post=self, photo_id=pk) for pk in photo_ids - current], ignore_conflicts=True
            )

    def get_author_url(self):
        return path_for("blog:author", "username", self.author.username)

    # Dates as the templates print them. A list page prints 40; through the `date` filter
    # each one looked its format up again, and they were a hot spot of the home page.
    @property
    def publish_at_iso(self):
        """ISO 8601 in the current time zone, to the second (HTML's `datetime` allows at most
        three decimals); "" for a draft."""
        if not self.publish_at:
            return ""
        return timezone.template_localtime(self.publish_at).isoformat(timespec="seconds")

    @property
    def updated_at_iso(self):
        return timezone.template_localtime(self.updated_at).isoformat(timespec="seconds")

    @property
    def reading_minutes(self):
        """Minutes a reader needs, at 230 words a minute, counting the rendered text (code and
        link text included, markup not); at least one."""
        words = len(_TAG.sub(" ", self.body_html).split())
        return max(1, round(words / WORDS_PER_MINUTE))

    @property
    def publish_at_text(self):
        """`publish_at|date:"j F Y"`, e.g. "3 November 2026"; "" for a draft."""
        if not self.publish_at:
            return ""
        local = timezone.template_localtime(self.publish_at)
        return f"{local.day} {MONTHS[local.month]} {local.year:04d}"

    @property
    def status(self):
        if self.publish_at is None:
            return self.Status.DRAFT
        if self.publish_at > timezone.now():
            return self.Status.SCHEDULED
        return self.Status.PUBLISHED

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    def get_preview_url(self):
        return reverse("blog:preview", kwargs={"pk": self.pk})

    @property
    def author_name(self):
        profile = getattr(self.author, "profile", None)
        return profile.display_name if profile else (self.author.get_full_name() or self.author.username)


WORDS_PER_MINUTE = 230


def stale_card_stamp():
    """A `card_stamp` that no fresh card's stamp (blog.cards) equals, new each time: a change
    to what the card shows, which a card rendered before it cannot be stored over."""
    return "stale:" + secrets.token_hex(6)


_TAG = re.compile(r"<[^>]*>")


class PostPhoto(models.Model):
    """A photo shown in a post's body. PROTECT: deleting the photo would break the post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    photo = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "photo"], name="post_photo_unique")]
        verbose_name = "photo in a post's body"

    def __str__(self):
        return f"{self.photo} in “{self.post}”"


class OldSlug(models.Model):
    """A slug a published post had before it was renamed: its old URL redirects for good."""

    slug = models.SlugField(max_length=200, unique=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="old_slugs")
    retired_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.slug


class EventJournal(models.Model):
    """Carries the permission to see the recent events journal (`common.journal`, a file, not
    a table): unmanaged, no table, never queried."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_event_journal", "Can see the recent events journal")]
        verbose_name = "event journal"

    def __str__(self):
        return "event journal"
