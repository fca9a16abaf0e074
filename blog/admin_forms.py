"""The post form of the admin: a Markdown editor on the body, and publishing in the site's
own time zone.

The editor (blog/static/blog/admin/editor.js) is EasyMDE, vendored from npm, over the plain
textarea: with JavaScript off, or the vendored files missing, the textarea is all there is and
everything still works. Publishing is a set of submit buttons (PUBLISHING_ACTIONS); Schedule
reads a date and time typed in `settings.TIME_ZONE`, whose name the form shows."""

from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from blog.models import Post

# The submit buttons of the publishing panel, by their name in the POST.
PUBLISHING_ACTIONS = ("_publish", "_schedule", "_unpublish")
EASYMDE = "blog/vendor/easymde/easymde.min.js"


def publishing_action(data):
    """Which publishing button was pressed, if any."""
    return next((name for name in PUBLISHING_ACTIONS if name in data), None)


def zone_label(moment=None):
    """The site's zone as an editor reads it: "Europe/Paris, CET, UTC+01:00"."""
    local = timezone.localtime(moment or timezone.now())
    offset = local.strftime("%z")
    return f"{settings.TIME_ZONE}, {local.tzname()}, UTC{offset[:3]}:{offset[3:]}"


class MarkdownEditor(forms.Textarea):
    """A textarea that editor.js turns into EasyMDE with a live preview, a photo picker and
    drafts kept in the browser. The textarea stays the form's field."""

    template_name = "blog/widgets/markdown_editor.html"

    def __init__(self, attrs=None):
        super().__init__({"rows": 24, "cols": 80, **(attrs or {})})

    @property
    def media(self):
        if not finders.find(EASYMDE):
            # Not vendored (`npm run vendor`, which `make run` does): the plain textarea.
            return forms.Media()
        return forms.Media(
            css={"all": ["blog/vendor/easymde/easymde.min.css", "blog/admin/editor.css"]},
            js=[
                "admin/js/vendor/jquery/jquery.js",
                "admin/js/jquery.init.js",
                "admin/js/admin/RelatedObjectLookups.js",
                EASYMDE,
                "blog/admin/editor.js",
            ],
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("data-markdown-editor", "")
        return context


class PostAdminForm(forms.ModelForm):
    schedule_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Post
        fields = ["title", "slug", "author", "summary", "body", "cover", "tags", "email_subscribers"]
        widgets = {"body": MarkdownEditor}
        error_messages = {
            "cover": {
                "invalid_choice": "That photo cannot be a cover: its renditions failed (see Photos). "
                "Choose another, or upload the photo again."
            }
        }

    request = None  # set by PostAdmin.get_form on the class it makes for a request

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["schedule_at"]
        field.help_text = f"In the site's time zone ({zone_label()})."
        if self.instance.publish_at and self.instance.status == Post.Status.SCHEDULED:
            field.initial = timezone.localtime(self.instance.publish_at)
        email = self.fields.get("email_subscribers")
        if email is not None and getattr(self.instance, "newsletter", None) is not None:
            # Started: once per post, whatever is ticked later.
            email.disabled = True
        body = self.fields.get("body")
        if body is not None:
            body.help_text = (
                "Markdown. A photo: ![](photo:12), which the Insert photo button writes (each "
                "photo's page shows its line). Code: a fence with its language, ```python. "
                "Scripts, styles and frames are removed."
            )
            body.widget.attrs.update(
                {
                    "data-draft-key": f"post:{self.instance.pk or 'new'}",
                    "data-saved-at": self.instance.updated_at.isoformat() if self.instance.pk else "",
                    "data-preview-url": reverse("admin:blog_post_preview"),
                    "data-photos-url": reverse("admin:blog_post_photos"),
                }
            )
            if self.request is not None and self.request.user.has_perm("blog.add_photo"):
                body.widget.attrs["data-photo-add-url"] = reverse("admin:blog_photo_add")

    def clean(self):
        cleaned = super().clean()
        if publishing_action(self.data) == "_schedule":
            when = cleaned.get("schedule_at")
            if when is None and "schedule_at" not in self.errors:
                self.add_error("schedule_at", "Choose the date and time to publish at.")
            elif when is not None and when <= timezone.now():
                self.add_error(
                    "schedule_at",
                    f"{timezone.localtime(when):%d %b %Y, %H:%M} has passed: choose a time to come, "
                    "or use Publish now.",
                )
        return cleaned
