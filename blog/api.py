"""The read-only JSON API under /api/v1/, described exactly by `blog/openapi.py`."""

import json
from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt

from blog.apidata import absolute, tag_data
from blog.apidata import post_detail as post_detail_data
from blog.cards import fresh_cards
from blog.models import Post, Tag
from blog.search import clean_query

MAX_FILTER_LENGTH = 200
# The query parameters the API reads. Page links carry only these: CloudFront keys its cache
# on these alone (infra/edge.yaml), so a link must not echo a `utm_source` one reader sent.
FILTERS = ("tag", "author", "q")
# Enough for any integer the API takes (pages go up to 1,000,000).
MAX_INT_DIGITS = 9


def error_response(status, code, message):
    """Every API error has this one shape: {"error": {"status", "code", "message"}}."""
    return JsonResponse({"error": {"status": status, "code": code, "message": message}}, status=status)


def api_view(view):
    """GET and HEAD only; anything else is a JSON 405 naming the allowed methods.

    CSRF-exempt because nothing here writes: without it, CSRF's 403 page would answer a POST
    before the API could say 405 in its own error shape."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = error_response(405, "method_not_allowed", "This API is read-only: use GET.")
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _query_int(request, name, default, low, high):
    """The whole number in `?name=`, within [low, high]; None if it is anything else.

    The length is checked before int(): Python refuses to convert more than 4,300 digits
    (ValueError), and a number that long is never in range anyway."""
    raw = request.GET.get(name, str(default))
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_INT_DIGITS):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _page_number(request):
    return _query_int(request, "page", 1, 1, 1_000_000)


def _page_link(request, number):
    params = {k: v for k, v in request.GET.items() if k in FILTERS}
    if number > 1:
        params["page"] = number
    query = urlencode(params)
    return absolute(request.path) + (f"?{query}" if query else "")


def _paginated(request, queryset, serialise=None, items=None):
    """One page of `queryset` in the API's list shape: each of its objects through
    `serialise`, or, for posts, `items` gives the page's stored JSON items (blog.cards) and
    the body is written around them, the same JSON byte for byte."""
    number = _page_number(request)
    if number is None:
        return error_response(400, "invalid_parameter", "`page` must be a whole number from 1.")
    paginator = Paginator(queryset, settings.API_PAGE_SIZE)
    if number > max(paginator.num_pages, 1):
        return error_response(404, "page_not_found", f"There is no page {number}.")
    page = paginator.page(number)
    data = {
        "count": paginator.count,
        "next": _page_link(request, number + 1) if page.has_next() else None,
        "previous": _page_link(request, number - 1) if page.has_previous() else None,
        "results": [] if items else [serialise(item) for item in page.object_list],
    }
    if not items:
        return JsonResponse(data)
    head = json.dumps(data, cls=DjangoJSONEncoder).removesuffix("]}")
    return HttpResponse(head + ", ".join(items(page.object_list)) + "]}", content_type="application/json")


def _bounded(request, name):
    value = request.GET.get(name, "")
    return None if len(value) > MAX_FILTER_LENGTH else value


@api_view
def post_list(request):
    tag, author, query = _bounded(request, "tag"), _bounded(request, "author"), _bounded(request, "q")
    if None in (tag, author, query):
        return error_response(
            400, "invalid_parameter", f"Filters are at most {MAX_FILTER_LENGTH} characters."
        )
    posts = Post.objects.published().newest_first()
    if "\x00" in tag + author:
        # No slug or username holds a NUL, and PostgreSQL refuses one in a query: nothing matches.
        posts = posts.none()
    if tag:
        posts = posts.filter(tags__slug=tag)
    if author:
        posts = posts.filter(author__username=author)
    if query:
        posts = posts.search(clean_query(query)) if clean_query(query) else posts.none()
    return _paginated(
        request, posts.card_rows("card_json"), items=lambda rows: fresh_cards(rows, "card_json")
    )


@api_view
def post_detail(request, slug):
    post = Post.objects.published().for_listing().filter(slug=slug).first()
    if post is None:
        return error_response(404, "not_found", "No published post has that slug.")
    return JsonResponse(post_detail_data(post))


@api_view
def tag_list(request):
    tags = Tag.objects.with_post_counts().filter(post_count__gt=0).order_by("name")
    return _paginated(request, tags, lambda tag: {**tag_data(tag), "post_count": tag.post_count})


@api_view
def openapi(request):
    from blog.openapi import openapi_document

    return JsonResponse(openapi_document(), json_dumps_params={"indent": 1})
