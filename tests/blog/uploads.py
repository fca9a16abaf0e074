"""Helpers for the upload tests: what the admin's browser code does, through HTTP."""

import io

from PIL import Image

GRANT_URL = "/admin/blog/photo/upload-grant/"


def image_bytes(size=(700, 500), fmt="JPEG", colour=(200, 120, 40), **options):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt, **options)
    return buffer.getvalue()


def ask_grant(editor_client, filename, content_type, size):
    """The browser asks the admin for a grant: (status, JSON answer)."""
    response = editor_client.post(
        GRANT_URL, {"filename": filename, "type": content_type, "size": size}, content_type="application/json"
    )
    return response.status_code, response.json()


def post_to_storage(client, grant, data, filename="photo.jpg", content_type=None, **changed):
    """The browser's POST to storage: the grant's fields (some `changed`), then the file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    fields = {**grant["fields"], **changed}
    content_type = content_type or fields.get("Content-Type", "application/octet-stream")
    return client.post(grant["url"], {**fields, "file": SimpleUploadedFile(filename, data, content_type)})


def upload(editor_client, client, data, filename="photo.jpg", content_type="image/jpeg"):
    """Grant, then POST: returns the key the photo was stored under."""
    status, grant = ask_grant(editor_client, filename, content_type, len(data))
    assert status == 200, grant
    response = post_to_storage(client, grant, data, filename)
    assert response.status_code == 204, response.content
    return grant["key"]


def save_photo(editor_client, key, alt_text="A red door", caption=""):
    return editor_client.post(
        "/admin/blog/photo/add/", {"image": key, "alt_text": alt_text, "caption": caption}
    )
