"""The admin for editors: posts with their status, photos with their alt text, authors."""

import json

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from blog import events_admin, services, uploads
from blog.models import AuthorProfile, Photo, Post, Tag
from blog.renditions import discard_upload, refresh_pending, refresh_renditions
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


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "status_badge", "author", "publish_at", "updated_at", "preview_link"]
    list_filter = [StatusFilter, "tags", "author"]
    list_select_related = ["author"]
    search_fields = ["title", "summary", "body", "slug"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["tags"]
    autocomplete_fields = ["cover"]
    readonly_fields = ["created_at", "updated_at", "preview_link"]
    actions = ["publish_now", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "author", "summary", "body", "cover", "tags"]}),
        ("Publishing", {"fields": ["publish_at", "preview_link", "created_at", "updated_at"]}),
    ]

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

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
        changed = services.publish_posts(queryset, when=timezone.now())
        self.message_user(request, f"Published {changed} post(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected posts (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        changed = services.unpublish_posts(queryset)
        self.message_user(request, f"Unpublished {changed} post(s).", messages.SUCCESS)


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    form = PhotoForm
    list_display = ["thumbnail", "alt_text", "renditions_badge", "dimensions", "uploaded_at"]
    list_filter = ["renditions_status"]
    search_fields = ["alt_text", "caption"]
    readonly_fields = ["thumbnail", "renditions_badge", "dimensions", "uploaded_at"]
    fields = ["image", "thumbnail", "renditions_badge", "alt_text", "caption", "dimensions", "uploaded_at"]

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

    def changelist_view(self, request, extra_context=None):
        # In AWS the renditions are made in the background: look for news of pending ones.
        refresh_pending(limit=20)
        return super().changelist_view(request, extra_context)

    def get_object(self, request, object_id, from_field=None):
        photo = super().get_object(request, object_id, from_field)
        if photo is not None and photo.renditions_status == Photo.Renditions.PENDING:
            refresh_renditions(photo)
        return photo

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


# Staff see the events the app delivered locally (dispatch.journal) and how they ended.
events_admin.install(admin.site)
