"""HTTP headers that let CloudFront share public responses between readers, and a guard
against query strings Django refuses to parse."""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils.cache import patch_cache_control

PRIVATE_PREFIXES = ("/admin/", "/preview/")


def _is_shareable(request, response):
    if request.method not in ("GET", "HEAD") or response.status_code >= 500:
        return False
    if request.path_info.startswith(PRIVATE_PREFIXES):
        return False
    # A response that sets a cookie or depends on one belongs to one reader only.
    return not (response.cookies or "cookie" in response.get("Vary", "").lower())


class CacheHeadersMiddleware:
    """Public GETs get `public, max-age, s-maxage, stale-while-revalidate`; everything else
    (admin, preview, writes, 5xx, anything touching a cookie) gets `private, no-store`.

    A view that sets its own Cache-Control keeps it, except that a private response can
    never be marked shareable by accident."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _is_shareable(request, response):
            if not response.has_header("Cache-Control"):
                patch_cache_control(
                    response,
                    public=True,
                    max_age=settings.CACHE_MAX_AGE,
                    s_maxage=settings.CACHE_S_MAXAGE,
                    stale_while_revalidate=settings.CACHE_STALE_WHILE_REVALIDATE,
                )
        else:
            existing = response.get("Cache-Control", "")
            if "no-store" not in existing or "private" not in existing:
                response["Cache-Control"] = "private, no-store"
        return response


class ApiCorsMiddleware:
    """The read-only API answers any origin.

    The header is sent on every API response, not only when the request carries `Origin`
    (as django-cors-headers does): CloudFront caches one copy for all readers, and a copy
    cached from a request without `Origin` must still work for a browser's CORS request."""

    prefix = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(self.prefix):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            from django.http import HttpResponse

            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Link"
        return response


class QueryStringGuardMiddleware:
    """A query string Django refuses to parse (over DATA_UPLOAD_MAX_NUMBER_FIELDS parameters)
    is answered 400 here, whatever the view. Left to the view, the refusal is a 400 with DEBUG
    off but a 500 with it on: the debug page reads the query string again and fails again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.GET  # noqa: B018 (parsing is the point)
        except SuspiciousOperation as error:
            from django.views.defaults import bad_request

            return bad_request(request, error)
        return self.get_response(request)
