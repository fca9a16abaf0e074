"""The admin for editors: posts with their status, photos with their alt text, authors."""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from blog import editor, events_admin, services, uploads
from blog.admin_forms import PostAdminForm, publishing_action, zone_label
from blog.models import AuthorProfile, Photo, Post, Tag
from blog.publishing import PublishingFailed
from blog.renditions import discard_upload, refresh_pending
from blog.upload_forms import PhotoForm

admin.site.site_header = "Blog administration"
admin.site.site_title = "Blog admin"
admin.site.index_title = "Editing"


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Post.Status.choices

    def queryset(self, request, queryset):
        return {
            Post.Status.DRAFT: queryset.drafts,
            Post.Status.SCHEDULED: queryset.scheduled,
            Post.Status.PUBLISHED: queryset.published,
        }.get(self.value(), queryset.all)()


def site_time(moment):
    """A time as the admin shows it: in the site's zone, to the minute, with the zone."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    change_form_template = "admin/blog/post/change_form.html"
    # The Save buttons come first in the form, so Enter in a field saves (never publishes).
    save_on_top = True

    class Media:
        css = {"all": ["blog/admin/editor.css"]}  # the status badges and the publishing panel

    list_display = ["title", "status_badge", "author", "publish_at", "updated_at", "preview_link"]
    list_filter = [StatusFilter, "tags", "author"]
    list_select_related = ["author"]
    search_fields = ["title", "summary", "body", "slug"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["tags"]
    autocomplete_fields = ["cover"]
    readonly_fields = ["created_at", "updated_at", "preview_link", "old_slug_list"]
    actions = ["publish_now", "unpublish"]
    # Publishing (status, Publish now, Schedule, Unpublish, Preview) is the panel above these
    # (change_form.html): publish_at is set only through its buttons.
    fieldsets = [
        (None, {"fields": ["title", "slug", "author", "summary", "body", "cover", "tags"]}),
        ("History", {"fields": ["created_at", "updated_at", "old_slug_list"]}),
    ]

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(lambda request: function(self, request))

        return [
            path("preview/", view(editor.preview_view), name="blog_post_preview"),
            path("photos/", view(editor.photos_view), name="blog_post_photos"),
            *super().get_urls(),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # "Email this post to subscribers" is on the form but drawn in the publishing panel
        # (change_form.html), not in a fieldset.
        fields = kwargs.get("fields") or flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [*fields, "email_subscribers"]
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # a class made for this request: the editor's URLs and permissions
        return form

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def view_on_site(self, post):
        # Readers cannot see a draft or a scheduled post yet: its preview is what there is.
        return post.get_absolute_url() if post.is_published else post.get_preview_url()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        status = obj.status if obj is not None and obj.pk else Post.Status.DRAFT
        context["publishing"] = {
            "status": status,
            "label": status.label,
            "when": site_time(obj.publish_at) if obj is not None and obj.publish_at else "",
            "zone": zone_label(),
            "schedule_field": context["adminform"].form["schedule_at"],
            "email_field": context["adminform"].form["email_subscribers"],
            # The newsletter app's record of this post's send (newsletter.models), if any:
            # read through the relation, so the blog imports nothing of it.
            "newsletter": getattr(obj, "newsletter", None) if obj is not None and obj.pk else None,
            "went_live": bool(obj is not None and obj.pk and obj.announced_at),
        }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the tags are saved, so the invalidation covers the tag pages too.
        action, post = publishing_action(request.POST), form.instance
        try:
            if action == "_publish":
                services.publish_post(post)
            elif action == "_schedule":
                services.schedule_post(post, form.cleaned_data["schedule_at"])
            elif action == "_unpublish":
                services.unpublish_post(post)
        except PublishingFailed as error:
            # Publishing rolled back (its own savepoint); the edits just saved are kept.
            post.refresh_from_db(fields=["publish_at", "updated_at", "announced_at"])
            request._publishing_failed = str(error)
        request._publishing = action

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_publishing", None):
            return self._publishing_response(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "_publishing", None):
            return self._publishing_response(request, obj)
        return super().response_change(request, obj)

    def _publishing_response(self, request, post):
        """Back to the post, with what readers now see of it."""
        failed = getattr(request, "_publishing_failed", None)
        if failed:
            self.message_user(
                request, f"“{post.title}” was saved but not published: {failed}", messages.ERROR
            )
        elif post.status == Post.Status.PUBLISHED:
            self.message_user(
                request,
                format_html(
                    '“{}” is published ({}): readers can see it. <a href="{}">View it on the site</a>.',
                    post.title,
                    site_time(post.publish_at),
                    post.get_absolute_url(),
                ),
                messages.SUCCESS,
            )
        elif post.status == Post.Status.SCHEDULED:
            self.message_user(
                request,
                f"“{post.title}” is scheduled for {site_time(post.publish_at)}: readers see it from then.",
                messages.SUCCESS,
            )
        else:
            self.message_user(request, f"“{post.title}” is a draft: readers cannot see it.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:blog_post_change", args=[post.pk]))

    @admin.display(description="old URLs (they redirect here)")
    def old_slug_list(self, post):
        old = list(post.old_slugs.values_list("slug", flat=True)) if post.pk else []
        if not old:
            return "-"
        return format_html_join(", ", "<code>{}</code>", ((reverse("blog:post", args=[s]),) for s in old))

    @admin.display(description="status")
    def status_badge(self, post):
        status = post.status
        return format_html('<span class="status status-{}">{}</span>', status.value, status.label)

    @admin.display(description="preview")
    def preview_link(self, post):
        if not post.pk:
            return "Save the post to preview it."
        return format_html('<a href="{}" target="_blank" rel="noopener">Preview</a>', post.get_preview_url())

    @admin.action(description="Publish selected posts now", permissions=["change"])
    def publish_now(self, request, queryset):
        try:
            changed = services.publish_posts(queryset, when=timezone.now())
        except PublishingFailed as error:
            self.message_user(request, f"Nothing was published: {error}", messages.ERROR)
            return
        self.message_user(request, f"Published {changed} post(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected posts (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        changed = services.unpublish_posts(queryset)
        self.message_user(request, f"Unpublished {changed} post(s).", messages.SUCCESS)


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    form = PhotoForm
    actions = ["check_renditions"]
    list_display = ["thumbnail", "alt_text", "renditions_badge", "dimensions", "uploaded_at"]
    list_filter = ["renditions_status"]
    search_fields = ["alt_text", "caption"]
    readonly_fields = ["thumbnail", "renditions_badge", "dimensions", "uploaded_at", "markdown", "used_in"]
    fields = [
        "image",
        "thumbnail",
        "renditions_badge",
        "alt_text",
        "caption",
        "dimensions",
        "uploaded_at",
        "markdown",
        "used_in",
    ]
    delete_confirmation_template = "admin/blog/photo/delete_confirmation.html"

    def get_urls(self):
        grant = self.admin_site.admin_view(self.upload_grant_view)
        return [path("upload-grant/", grant, name="blog_photo_upload_grant"), *super().get_urls()]

    def upload_grant_view(self, request):
        """POST {"filename", "type", "size"} -> a signed POST for one new upload (JSON), or
        {"error": {"code", "message"}} saying why the file will not do."""
        if request.method != "POST":
            return JsonResponse(
                {"error": {"code": "method_not_allowed", "message": "POST only."}}, status=405
            )
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        try:
            asked = json.loads(request.body)
            filename, content_type, size = str(asked["filename"])[:255], asked["type"], asked["size"]
            grant = uploads.grant_upload(filename, content_type, size)
        except uploads.UploadRefused as refused:  # before ValueError, its base
            return JsonResponse({"error": {"code": refused.code, "message": str(refused)}}, status=400)
        except (ValueError, KeyError, TypeError):
            message = "Send JSON with the file's name, type and size."
            return JsonResponse({"error": {"code": "bad_request", "message": message}}, status=400)
        return JsonResponse(grant.as_json())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DatabaseError:
            # The browser stored the file before this save; the transaction has rolled back,
            # so no photo took it: delete it now (it may carry GPS) rather than in a day.
            key = request.POST.get("image", "") if request.method == "POST" else ""
            if uploads.is_upload_key(key):
                discard_upload(key, invalidate=False)
            raise

    @admin.action(description="Check the selected photos' renditions now", permissions=["change"])
    def check_renditions(self, request, queryset):
        # Pages only read: the minute schedule records what the handler reported. An editor
        # who will not wait the minute asks here, with a POST like any other change.
        changed = refresh_pending(queryset.pending())
        self.message_user(request, f"{changed} photo(s) had news of their renditions.", messages.INFO)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "image" in form.changed_data:
            request._saved_photo = obj

    def message_user(self, request, message, level=messages.INFO, extra_tags="", fail_silently=False):
        photo = getattr(request, "_saved_photo", None)
        if photo is None or level != messages.SUCCESS:
            return super().message_user(request, message, level, extra_tags, fail_silently)
        # The renditions are made once the upload commits (at once on the embedded defaults,
        # whose delivery was queued first; in the background in AWS): say how that went.
        request._saved_photo = None
        transaction.on_commit(lambda: self._report_upload(request, photo, message))
        return None

    def _report_upload(self, request, photo, message):
        photo.refresh_from_db(fields=["renditions_status", "renditions_reason"])
        if photo.failed:
            messages.error(
                request,
                f"The photo “{photo}” was saved, but its file could not be made into pictures "
                f"({photo.renditions_reason}). It is not offered as a cover or in posts: "
                "upload another file.",
            )
        elif photo.renditions_status == Photo.Renditions.PENDING:
            messages.info(request, f"The photo “{photo}” was saved; its pictures are being made.")
        else:
            messages.success(request, message)

    def get_deleted_objects(self, objs, request):
        """A photo a post shows (as its cover or in its body) is protected: name the posts,
        linked, rather than the links between them."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            posts = (
                Post.objects.filter(Q(cover__in=objs) | Q(body_photos__in=objs)).distinct().order_by("title")
            )
            protected = [
                format_html(
                    'Post: <a href="{}">{}</a> ({})',
                    reverse("admin:blog_post_change", args=[post.pk]),
                    post.title,
                    post.status.label.lower(),
                )
                for post in posts
            ]
        return deleted, counts, perms_needed, protected

    @admin.display(description="in a post's body")
    def markdown(self, photo):
        if not photo.pk:
            return "Save the photo to use it in posts."
        return format_html(
            "<code>{}</code> <span class=\"help\">Put this line in a post's body, or use the editor's "
            "Insert photo button.</span>",
            photo.markdown,
        )

    @admin.display(description="used in")
    def used_in(self, photo):
        if not photo.pk:
            return "-"
        posts = Post.objects.filter(Q(cover=photo) | Q(body_photos=photo)).distinct().order_by("title")
        if not posts:
            return "No post yet."
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:blog_post_change", args=[post.pk]), post.title) for post in posts),
        )

    @admin.display(description="preview")
    def thumbnail(self, photo):
        # A rendition once one exists: small, upright, without the original's metadata.
        small = photo.rendition_set("jpeg")[:1] if photo.ready else []
        if not small:
            return "-"
        return format_html(
            '<img src="{}" alt="{}" style="max-width:120px;max-height:80px;object-fit:cover">',
            small[0][2],
            photo.alt_text,
        )

    @admin.display(description="renditions", ordering="renditions_status")
    def renditions_badge(self, photo):
        if photo.renditions_status == Photo.Renditions.FAILED:
            return format_html(
                '<span class="renditions renditions-failed">Failed: {}</span>', photo.renditions_reason
            )
        if photo.renditions_status == Photo.Renditions.READY:
            widths = sorted({r["width"] for r in photo.renditions})
            return format_html(
                '<span class="renditions renditions-ready">Ready ({} px)</span>', ", ".join(map(str, widths))
            )
        waited = ""
        if photo.pending_since:
            waited = f" for {timesince(photo.pending_since, depth=1)}"
            if photo.render_attempts:
                waited += f", rendered again {photo.render_attempts}x by the schedule"
        return format_html('<span class="renditions renditions-pending">Pending{}</span>', waited)

    @admin.display(description="size")
    def dimensions(self, photo):
        return f"{photo.width} x {photo.height}" if photo.width else "-"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AuthorProfile)
class AuthorProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "post_count"]
    search_fields = ["display_name", "user__username"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).select_related("user").annotate(n_posts=Count("user__posts"))

    @admin.display(description="posts", ordering="n_posts")
    def post_count(self, profile):
        return profile.n_posts


class AuthorProfileInline(admin.StackedInline):
    model = AuthorProfile
    can_delete = False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuthorUserAdmin(UserAdmin):
    inlines = [AuthorProfileInline]


# Staff see the events the app delivered locally (common.journal) and how they ended.
events_admin.install(admin.site)
