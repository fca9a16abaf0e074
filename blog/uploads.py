"""Photos go from the editor's browser straight to storage; Django only signs and checks.

1. `grant_upload` (the admin asks it when a file is chosen) picks a new key under `uploads/`
   and signs a POST for that one key with `sign_upload`: conditions on the key, the content
   type (the image type the browser found in the file's first bytes) and the size
   (1 byte to UPLOAD_MAX_BYTES), valid UPLOAD_GRANT_SECONDS.
2. The browser posts the file there: to S3 (a presigned POST, boto3's
   `generate_presigned_post`), or on the embedded defaults to the app's own endpoint
   (`blog.upload_views`), which checks the same policy and writes to MEDIA_ROOT. Either way
   the S3 `ObjectCreated` event then runs the thumbnails handler.
3. The photo is saved with the key. `check_upload` reads the object's first bytes (a ranged
   GET, never the photo) and accepts it only if its *content* is an image the thumbnail core
   renders; width and height come from that header.

Uploads no photo took (a closed tab, a refused file) are deleted by `delete_orphan_uploads`
once ORPHAN_UPLOAD_HOURS old, with the renditions their event made.
"""

import functools
import os
import posixpath
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from blog import upload_policy
from blog.models import Photo
from blog.renditions import discard_upload, media_objects
from thumbnails.naming import UPLOAD_PREFIX

# Content type -> the key's extension. What the thumbnail core renders (thumbnails.images
# ACCEPTED_FORMATS), as browsers name it.
ACCEPTED_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/tiff": "tif",
    "image/avif": "avif",
    "image/heic": "heic",
    "image/heif": "heif",
}
# Pillow's format (what the content is) -> the content types that may declare it.
FORMAT_TYPES = {
    "JPEG": {"image/jpeg"},
    "PNG": {"image/png"},
    "WEBP": {"image/webp"},
    "GIF": {"image/gif"},
    "TIFF": {"image/tiff"},
    "AVIF": {"image/avif"},
    "HEIF": {"image/heic", "image/heif"},
}
ACCEPTED_NAMES = "JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC"
# The file-name extensions each type goes by. A name with another extension is refused even
# if the content is an image (a PNG named .pdf): the name and the content disagree, and the
# editor should know which one is wrong.
TYPE_EXTENSIONS = {
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/png": {"png"},
    "image/webp": {"webp"},
    "image/gif": {"gif"},
    "image/tiff": {"tif", "tiff"},
    "image/avif": {"avif"},
    "image/heic": {"heic", "heif", "hif"},
    "image/heif": {"heic", "heif", "hif"},
}
# A key this function made: uploads/YYYY/MM/<name>-<8 hex>.<ext>
_KEY = re.compile(
    r"uploads/\d{4}/\d{2}/[a-z0-9_-]{1,60}-[0-9a-f]{8}\.(?:" + "|".join(ACCEPTED_TYPES.values()) + ")"
)
# The header is read in growing steps: 64 KiB holds it for nearly every photo (EXIF and an
# ICC profile come before the size), 1 MiB for the rest short of a TIFF whose directory sits
# at its end, which is then judged by its signature and measured by the handler.
_HEAD_STEPS = (64 * 2**10, 2**20)
_PERHAPS_CUT_SHORT = {"not_an_image", "corrupt", "truncated", "unsupported_format"}


class UploadRefused(ValueError):
    """A file the site will not take; `code` for programs, the message for editors."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Grant:
    url: str
    fields: dict
    key: str
    max_bytes: int
    expires_in: int

    def as_json(self):
        return {
            "url": self.url,
            "fields": self.fields,
            "key": self.key,
            "max_bytes": self.max_bytes,
            "expires_in": self.expires_in,
        }


def megabytes(size):
    return f"{size / 2**20:.1f} MB"


def sizes(size, limit):
    """'<size>; the limit is <limit>', in bytes where megabytes would print the same."""
    if megabytes(size) == megabytes(limit):
        return f"{size:,} bytes; the limit is {limit:,} bytes"
    return f"{megabytes(size)}; the limit is {megabytes(limit)}"


def new_upload_key(filename, content_type):
    """`uploads/YYYY/MM/<name>-<random>.<ext>`, the extension from the content type, not from
    the file's name. Every upload gets a name of its own: renditions are cached for a year as
    immutable, so a new photo must never reuse an old one's name."""
    stem = posixpath.splitext(posixpath.basename(str(filename).replace("\\", "/")))[0]
    name = slugify(stem)[:60].strip("-_") or "photo"
    return (
        f"{UPLOAD_PREFIX}{timezone.now():%Y/%m}/{name}-{secrets.token_hex(4)}.{ACCEPTED_TYPES[content_type]}"
    )


def grant_upload(filename, content_type, size):
    """A signed POST for a new upload of `filename`, a `size`-byte file of `content_type`
    (as found in its first bytes); UploadRefused if the site would not take it."""
    content_type = (content_type or "").lower()
    if content_type not in ACCEPTED_TYPES:
        raise UploadRefused(
            "not_an_image",
            f"“{filename}” is not a photo the site can use: upload a {ACCEPTED_NAMES} image.",
        )
    extension = posixpath.splitext(str(filename))[1].lower().lstrip(".")
    if extension and extension not in TYPE_EXTENSIONS[content_type]:
        kind = content_type.removeprefix("image/").upper()
        raise UploadRefused(
            "name_mismatch",
            f"“{filename}” is named as a .{extension} file but holds a {kind} image: "
            f"if it is the photo you meant, rename it .{ACCEPTED_TYPES[content_type]} and upload it again.",
        )
    limit = settings.UPLOAD_MAX_BYTES
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise UploadRefused("empty", f"“{filename}” is empty.")
    if size > limit:
        raise UploadRefused("too_large", f"“{filename}” is too large: {sizes(size, limit)}.")
    key = new_upload_key(filename, content_type)
    return sign_upload(key, content_type, max_bytes=limit)


def upload_conditions(key, content_type, max_bytes):
    """The policy's conditions, the same in both modes: this key, this type, 1 to max bytes."""
    return [{"key": key}, {"Content-Type": content_type}, ["content-length-range", 1, max_bytes]]


def is_upload_key(key):
    """Whether `key` has the shape of a key `new_upload_key` makes (uploads/YYYY/MM/...)."""
    return bool(_KEY.fullmatch(key or ""))


def sign_upload(key, content_type, *, max_bytes=None, expires_in=None):
    """A POST that stores one file under `key` (content type `content_type`, at most
    `max_bytes`), valid `expires_in` seconds: S3's presigned POST where MEDIA_BUCKET is set,
    else the local endpoint's. Usable outside the admin (the AWS rehearsal calls it)."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a key new_upload_key makes: {key!r}")
    if content_type not in ACCEPTED_TYPES:
        raise ValueError(f"not an accepted image type: {content_type!r}")
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    expires_in = expires_in or settings.UPLOAD_GRANT_SECONDS
    conditions = upload_conditions(key, content_type, max_bytes)
    if settings.MEDIA_BUCKET:
        signed = s3_client().generate_presigned_post(
            Bucket=settings.MEDIA_BUCKET,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=conditions,
            ExpiresIn=expires_in,
        )
        url, fields = signed["url"], signed["fields"]
    else:
        from django.urls import reverse

        from thumbnails.objects import LOCAL_BUCKET

        policy = upload_policy.policy_document(LOCAL_BUCKET, conditions, expires_in)
        url = reverse("blog:local-upload")
        fields = {"key": key, "Content-Type": content_type, **upload_policy.sign(policy)}
    return Grant(url=url, fields=fields, key=key, max_bytes=max_bytes, expires_in=expires_in)


@functools.cache
def _s3_client(region, endpoint):
    import boto3
    from botocore.config import Config

    # SigV4 (S3 refuses older signatures outside us-east-1) and the regional virtual-host
    # address: the global one answers a new bucket's POST with a redirect a browser's
    # cross-origin POST cannot follow.
    config = Config(
        signature_version="s3v4", s3={"addressing_style": "virtual"}, retries={"mode": "standard"}
    )
    return boto3.client("s3", region_name=region, endpoint_url=endpoint, config=config)


def s3_client():
    """The S3 client that signs uploads, made once per container when first needed."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    # AWS_ENDPOINT_URL(_S3) points boto3 at a stand-in (moto's server in the rehearsal).
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return _s3_client(region, endpoint or f"https://s3.{region}.amazonaws.com")


# --- the upload, once stored -------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    key: str
    format: str
    width: int | None  # upright; None when the header is too long to read (the handler measures)
    height: int | None
    size: int


def check_upload(key):
    """The stored upload `key`, if its content is an image the site takes; UploadRefused
    otherwise. Reads the object's first bytes only."""
    from PIL import UnidentifiedImageError

    from thumbnails.images import ImageRejected, identify, known_signature
    from thumbnails.objects import ObjectMissing

    if not _KEY.fullmatch(key or ""):
        raise UploadRefused("bad_key", "The upload is not one this site made: choose the photo again.")
    objects = media_objects()
    for step in _HEAD_STEPS:
        try:
            head, size = objects.read_start(key, step)
        except ObjectMissing:
            raise UploadRefused(
                "missing", "The uploaded photo is no longer there (older than a day?): choose it again."
            ) from None
        if size > settings.UPLOAD_MAX_BYTES:
            raise UploadRefused(
                "too_large", f"The photo is too large: {sizes(size, settings.UPLOAD_MAX_BYTES)}."
            )
        whole = len(head) >= size
        try:
            found = identify(head)
        except ImageRejected as rejected:
            # Cut short, a header that runs on looks like no image at all: read more first.
            if whole or rejected.reason not in _PERHAPS_CUT_SHORT:
                raise UploadRefused(
                    rejected.reason,
                    f"The file is not an image the site can use ({rejected}): upload a {ACCEPTED_NAMES} image.",
                ) from None
            continue
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            if whole:
                break
            continue
        return _matching(Upload(key, found.format, found.width, found.height, size))
    fmt = known_signature(head) if not whole else None
    if fmt is None:
        raise UploadRefused(
            "not_an_image", f"The file is not an image the site can use: upload a {ACCEPTED_NAMES} image."
        )
    return _matching(Upload(key, fmt, None, None, size))


def _matching(upload):
    """The upload, if its content is what its name (and stored content type) says."""
    extension = upload.key.rpartition(".")[2]
    declared = {t for t, ext in ACCEPTED_TYPES.items() if ext == extension}
    if not declared & FORMAT_TYPES.get(upload.format, set()):
        raise UploadRefused(
            "wrong_type",
            f"The file's content is {upload.format}, but it was uploaded as {', '.join(sorted(declared))}: "
            "choose the photo again.",
        )
    return upload


# --- orphans ------------------------------------------------------------------------------


def delete_orphan_uploads(older_than=None, now=None):
    """Delete every upload older than `older_than` (ORPHAN_UPLOAD_HOURS) that no photo uses,
    with the renditions and manifest its S3 event made. Returns the keys deleted."""
    if older_than is None:
        older_than = timedelta(hours=settings.ORPHAN_UPLOAD_HOURS)
    cutoff = (now or timezone.now()) - older_than
    old = [key for key, modified in media_objects().list_all(UPLOAD_PREFIX) if modified < cutoff]
    deleted = []
    for start in range(0, len(old), 500):
        chunk = old[start : start + 500]
        used = set(Photo.objects.filter(image__in=chunk).values_list("image", flat=True))
        for key in chunk:
            if key not in used and discard_upload(key, invalidate=False):
                deleted.append(key)
    return deleted
