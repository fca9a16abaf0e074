"""Renditions from the local disk, on the embedded defaults, as CloudFront serves them in AWS:
only files the thumbnail handler names (`renditions/.../<width>.<jpg|webp|avif>`), always with
that image type. Uploads are never served (the original may carry GPS), nor the manifest, nor
anything else that lands in the media folder."""

import posixpath

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve

from thumbnails.naming import CONTENT_TYPES, EXTENSIONS, RENDITION_PREFIX, is_rendition_name

_FORMAT_OF = {extension: fmt for fmt, extension in EXTENSIONS.items()}


@require_safe
def rendition(request, path):
    folder, name = posixpath.split(path)
    segments = path.split("/")
    if not folder or not is_rendition_name(name) or any(s in ("", ".", "..") for s in segments):
        raise Http404("Not a rendition.")
    response = serve(request, RENDITION_PREFIX + path, document_root=settings.MEDIA_ROOT)
    if response.status_code == 200:
        response["Content-Type"] = CONTENT_TYPES[_FORMAT_OF[name.rpartition(".")[2]]]
        # As S3 stores them: a rendition's name is never reused, so it never changes.
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
