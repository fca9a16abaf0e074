"""Rendered public pages, kept per process and keyed on the content version.

CloudFront's misses and revalidations from many edge locations land on a few warm Lambda
containers. There a page that was rendered once costs one small query (the content version,
`blog.versioning`) and a dictionary lookup instead of its queries and its template. Any change
readers could see moves the version, so a stored page is never served after its content
changed: the cache needs no invalidation, and old entries age out.

The cache is `CACHES["pages"]`, a LocMemCache: per process, bounded by MAX_ENTRIES, no
infrastructure. A stored page keeps its status, body and the headers its view set, plus the
ETag ConditionalGetMiddleware would give it (an MD5 of the body), so a warm conditional request
gets its 304 without rendering and the ETag does not change when an unrelated edit moves the
version. Everything the middleware adds (Cache-Control, Content-Length, security headers)
is added again on the way out, as for a rendered page.

Only for views whose answer depends on nothing but the URL and the content: never the
session or the user (a response that touched either, or set a cookie or a Vary, is not stored),
never preview or the admin. Search is left out: its URLs are as many as readers' queries.
Off while DEBUG is on, so an edited template shows at once.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.core.handlers.exception import response_for_exception
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.utils.cache import quote_etag

from blog.versioning import current_version

CACHE_ALIAS = "pages"
STORED_STATUSES = frozenset({200, 301, 404})
# Bigger answers (a sitemap of thousands of posts) are rendered each time: MAX_ENTRIES times
# this bounds the memory a container gives the cache.
MAX_BODY_BYTES = 512 * 1024


def cached_public_page(view):
    """Serve `view`'s GET and HEAD answers from the page cache while the content is unchanged."""
    view_id = f"{view.__module__}.{getattr(view, '__qualname__', type(view).__qualname__)}"

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or settings.DEBUG or not settings.PAGE_CACHE_ENABLED:
            return view(request, *args, **kwargs)
        version = current_version()
        if version is None:
            return view(request, *args, **kwargs)
        key = _cache_key(view_id, request, version)
        cache = caches[CACHE_ALIAS]
        entry = cache.get(key)
        if entry is not None:
            return _replay(request, entry)
        try:
            response = view(request, *args, **kwargs)
        except Http404 as exc:
            # The 404 page the handler would make, so that it can be stored too.
            response = response_for_exception(request, exc)
        if _storable(request, response):
            if getattr(response, "is_rendered", True):
                _store(request, cache, key, response)
            else:  # a TemplateResponse (the sitemap) renders after the view returns
                response.add_post_render_callback(lambda rendered: _store(request, cache, key, rendered))
        return response

    return wrapper


def _cache_key(view_id, request, version):
    """The view, the URL exactly as asked for, and the content version, hashed.

    The query string is kept as sent, not sorted: a repeated parameter's last value wins, and
    API links repeat the parameters in the order they came in."""
    counter, newest = version  # `newest` as the database returns it: only compared
    parts = (
        counter,
        str(newest),
        view_id,
        request.scheme,
        request.get_host(),
        request.path,
        request.META.get("QUERY_STRING", ""),
    )
    # repr() quotes each part: no path (%0A decodes to a newline) can pass for another's tail.
    digest = hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=20)
    return f"page:{digest.hexdigest()}"


def _storable(request, response):
    if response.status_code not in STORED_STATUSES or response.streaming:
        return False
    # A view with its own caching policy, or an answer that varies on a request header or
    # carries a cookie, is not the same for every reader of the URL.
    if response.cookies or response.has_header("Vary") or response.has_header("Cache-Control"):
        return False
    # The session (so the user) was read, or a CSRF token made: the middleware would add
    # `Vary: Cookie` or a cookie on the way out, after this point.
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        return False
    return not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")


def _store(request, cache, key, response):
    content = response.content
    if len(content) > MAX_BODY_BYTES:
        return
    # The ETag ConditionalGetMiddleware would compute, unless the view set its own.
    etag = None
    if content and not response.has_header("ETag"):
        etag = quote_etag(hashlib.md5(content, usedforsecurity=False).hexdigest())
    cache.set(key, (response.status_code, content, tuple(response.items()), etag))
    if etag and request.method == "GET":
        response["ETag"] = etag  # the middleware's own value: it need not hash the body again


def _replay(request, entry):
    status, content, headers, etag = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    # ConditionalGetMiddleware gives an ETag to GET answers only; so does this.
    if etag and request.method == "GET":
        response["ETag"] = etag
    return response


@receiver(setting_changed, dispatch_uid="pagecache-setting-changed")
def _forget_pages(**kwargs):
    """Pages depend on settings (site name and URL, templates, urlconf), which only tests change."""
    if CACHE_ALIAS in settings.CACHES:
        caches[CACHE_ALIAS].clear()
