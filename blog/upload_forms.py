"""The photo form's upload field: the browser sends the file to storage itself
(static/blog/admin/direct-upload.js) and the form carries only the key it was stored under.

The file input has no `name`, so the form never posts a photo byte to Django, with or without
JavaScript; without it the form says that the photo is missing and why.
"""

from django import forms
from django.utils.html import format_html

from blog.models import Photo
from blog.renditions import discard_upload
from blog.uploads import ACCEPTED_NAMES, ACCEPTED_TYPES, UploadRefused, check_upload, megabytes

NO_UPLOAD = (
    "Choose the photo and wait until it has uploaded before saving. "
    "Uploading needs JavaScript; if it is off in this browser, turn it on and try again."
)


class DirectUploadWidget(forms.Widget):
    """A file picker, a progress bar and a status line around a hidden key."""

    class Media:
        js = ["blog/admin/direct-upload.js"]
        css = {"all": ["blog/admin/direct-upload.css"]}

    def render(self, name, value, attrs=None, renderer=None):
        from django.conf import settings
        from django.urls import reverse

        element_id = (attrs or {}).get("id") or f"id_{name}"
        value = str(getattr(value, "name", value) or "")  # a stored photo's file, or a posted key
        max_bytes = settings.UPLOAD_MAX_BYTES
        accept = ",".join([*ACCEPTED_TYPES, ".heic", ".heif"])
        return format_html(
            '<div class="direct-upload" data-grant-url="{grant}" data-max-bytes="{max}">'
            '<input type="file" id="{id}" accept="{accept}" aria-describedby="{described}">'
            '<input type="hidden" name="{name}" value="{value}" data-original="{value}">'
            '<progress max="100" value="0" hidden aria-label="Upload progress"></progress>'
            '<p class="upload-status" id="{id}_status" role="status" aria-live="polite">{stored}</p>'
            '<noscript><p class="errornote">Uploading a photo needs JavaScript, which is off in this '
            "browser: turn it on to add or replace the photo.</p></noscript>"
            "</div>",
            grant=reverse("admin:blog_photo_upload_grant"),
            max=max_bytes,
            id=element_id,
            accept=accept,
            name=name,
            value=value or "",
            stored=f"Stored as {value.rpartition('/')[2]}." if value else "",
            described=" ".join(filter(None, [f"{element_id}_status", (attrs or {}).get("aria-describedby")])),
        )

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")


class PhotoForm(forms.ModelForm):
    """Alt text required as ever; the image is the key of an upload checked by content."""

    image = forms.CharField(label="Image", required=False)

    class Meta:
        model = Photo
        fields = ["image", "alt_text", "caption"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["image"].widget = DirectUploadWidget()
        self.fields["image"].help_text = (
            f"{ACCEPTED_NAMES}, up to {megabytes(settings.UPLOAD_MAX_BYTES)}. "
            "The file goes from this browser straight to storage."
        )
        self.upload = None

    def clean_image(self):
        key = (self.cleaned_data.get("image") or "").strip()
        current = self.instance.image.name if self.instance.pk else ""
        if not key or key == current:
            if current:
                return current  # the photo keeps its file
            raise forms.ValidationError(NO_UPLOAD, code="required")
        if Photo.objects.filter(image=key).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("That upload belongs to another photo: choose the file again.")
        try:
            self.upload = check_upload(key)
        except UploadRefused as refused:
            if refused.code not in {"bad_key", "missing"}:  # an upload this site made: delete it
                self._refused_key = key
            # Shown again, the form must not offer the refused key a second time.
            self.data = self.data.copy()
            self.data[self.add_prefix("image")] = current
            raise forms.ValidationError(str(refused), code=refused.code) from None
        return key

    def _post_clean(self):
        super()._post_clean()
        refused = getattr(self, "_refused_key", None)
        if refused:
            # Nothing of a refused file stays in storage (it may carry GPS): not even a day.
            from django.db import transaction

            transaction.on_commit(lambda: discard_upload(refused, invalidate=False))

    def save(self, commit=True):
        photo = super().save(commit=False)
        if self.upload is not None:
            photo.width, photo.height = self.upload.width, self.upload.height
        if commit:
            photo.save()
        return photo
