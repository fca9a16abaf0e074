"""The admin's editing views for posts: the preview of unsaved changes and the photo picker's
list. PostAdmin serves them under its own URLs (admin:blog_post_preview, _photos), through
the admin site's admin_view (staff login, never cached) and the editor's permissions.

The preview is the reader's own post page (blog/post_detail.html), rendered from the form as
it stands through the same renderer and sanitiser as a save (blog.bodies), with the site's
stylesheet: what the editor sees is what readers get. The editor's live pane asks for it
`bare` (no site header or footer); the Preview button opens it whole in a new tab, which
needs no JavaScript."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from blog.bodies import render_body
from blog.models import Photo, Post, Tag
from blog.views import post_context
from blog.xmltext import xml_safe

PICKER_LENGTH = 60
# The picker's thumbnails: the narrowest JPEG rendition (320 px), never the upload.
THUMB_FORMAT = "jpeg"


def _can_edit_posts(model_admin, request):
    return model_admin.has_change_permission(request) or model_admin.has_add_permission(request)


def _pk(value):
    return int(value) if str(value or "").isdigit() and len(str(value)) < 19 else None


def _unsaved_post(request):
    """A Post built from the submitted form, never saved: what the page would show."""
    data = request.POST
    saved = Post.objects.filter(pk=_pk(data.get("_post_id"))).first() if _pk(data.get("_post_id")) else None
    post = Post(
        pk=saved.pk if saved else None,
        title=xml_safe(data.get("title", ""))[:200],
        slug=data.get("slug", "")[:200] or "preview",
        summary=xml_safe(data.get("summary", ""))[:500],
        body=xml_safe(data.get("body", "")),
        publish_at=saved.publish_at if saved else None,
        created_at=saved.created_at if saved else None,
        updated_at=saved.updated_at if saved else None,
    )
    author = get_user_model().objects.select_related("profile").filter(pk=_pk(data.get("author"))).first()
    post.author = author or request.user
    cover = _pk(data.get("cover"))
    post.cover = Photo.objects.filter(pk=cover).first() if cover else None
    tag_ids = [pk for pk in map(_pk, data.getlist("tags")) if pk]
    tags = list(Tag.objects.filter(pk__in=tag_ids)) if tag_ids else []
    return post, tags


def preview_view(model_admin, request):
    """POST: the post page for the form as it stands (`_pane=1`: the article alone)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not _can_edit_posts(model_admin, request):
        raise PermissionDenied
    from blog.markdown import body_errors  # markdown-it and nh3: not on every cold start

    post, tags = _unsaved_post(request)
    errors = body_errors(post.body)
    if errors:
        post.body_html = ""
    else:
        post.body_html, _ = render_body(post.body, Photo.objects.in_bulk, notes=True)
    context = post_context(
        post, tags, preview=True, unsaved=True, bare=request.POST.get("_pane") == "1", body_errors=errors
    )
    response = render(request, "blog/post_detail.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def photos_view(model_admin, request):
    """GET: the photos an editor can put in a post, newest first, for the picker."""
    if not _can_edit_posts(model_admin, request):
        raise PermissionDenied
    photos = Photo.objects.all()
    query = request.GET.get("q", "").strip()[:100]
    if query:
        photos = photos.filter(Q(alt_text__icontains=query) | Q(caption__icontains=query))
    results = [_photo(photo) for photo in photos[:PICKER_LENGTH]]
    return JsonResponse({"results": results, "more": photos.count() > PICKER_LENGTH})


def _photo(photo):
    thumbs = photo.rendition_set(THUMB_FORMAT) if photo.ready else []
    return {
        "id": photo.pk,
        "alt": photo.alt_text,
        "caption": photo.caption,
        "status": photo.renditions_status,
        "reason": photo.renditions_reason,
        "thumb": thumbs[0][2] if thumbs else None,
        "markdown": photo.markdown,
        # A photo whose renditions failed can never show: it is listed, not offered.
        "insertable": not photo.failed,
        "change_url": reverse("admin:blog_photo_change", args=[photo.pk]),
    }
