"""The local stand-in for S3's POST upload, on the embedded defaults (no MEDIA_BUCKET).

The admin's browser code posts a photo here exactly as it posts to S3 in AWS: the fields of a
grant from `blog.uploads.sign_upload`, then the file. The policy is checked as S3 checks it
(`blog.upload_policy`), the file is written under MEDIA_ROOT at the key the grant names, and
the S3 `ObjectCreated` event AWS would send goes through the same router to the same
thumbnails handler. Success is S3's `204 No Content`; a refusal is S3's XML error.

No session and no CSRF token: like S3, the signed policy is the authority, and it allows
one key, one content type and a size range for a few minutes.
"""

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from blog import upload_policy
from blog.renditions import deliver_upload_event
from thumbnails.naming import is_upload_key
from thumbnails.objects import LOCAL_BUCKET

logger = logging.getLogger(__name__)
# Room for the form's other fields around the file, when judging Content-Length up front.
_FORM_OVERHEAD = 64 * 2**10


@csrf_exempt
def local_upload(request):
    if settings.MEDIA_BUCKET:
        return HttpResponse(status=404)  # in AWS the browser posts to S3, never here
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        key = _store(request)
    except upload_policy.PolicyRefused as refused:
        logger.info("Local upload refused: %s", refused)
        return HttpResponse(refused.as_xml(), status=refused.status, content_type="application/xml")
    _deliver(key)
    return HttpResponse(status=204)


def _store(request):
    """Check the form against its policy and write its file; returns the key."""
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.UPLOAD_MAX_BYTES + _FORM_OVERHEAD:
        # Refused before the body is read, as S3 does for a Content-Length over any grant's.
        raise upload_policy.PolicyRefused(
            400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
        )
    upload = request.FILES.get("file")
    if upload is None:
        raise upload_policy.PolicyRefused(
            400, "InvalidArgument", "POST requires exactly one file upload per request."
        )
    fields = {name: request.POST.get(name) for name in request.POST}
    key = upload_policy.verify(fields, upload.size, LOCAL_BUCKET)
    if not is_upload_key(key):
        raise upload_policy.PolicyRefused(400, "InvalidArgument", "The key is not an upload key.")
    path = (settings.MEDIA_ROOT / key).resolve()
    if not path.is_relative_to(settings.MEDIA_ROOT.resolve()):
        raise upload_policy.PolicyRefused(400, "InvalidArgument", "The key leaves the bucket.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    partial.replace(path)  # the handler never sees half a file
    return key


def _deliver(key):
    """S3's `ObjectCreated:Post` event for the new object, through the same router."""
    deliver_upload_event(key, "ObjectCreated:Post")
