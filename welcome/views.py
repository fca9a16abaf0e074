"""Subscribe, confirm and unsubscribe pages, and the subscribe endpoint of the JSON API.

The subscribe POSTs are CSRF-exempt and protected without a session: see
welcome.protection. Confirm and unsubscribe links carry a signed token, which is the
credential: a GET only shows a button (link scanners open links), the POST acts, and the
POST needs no cookie or CSRF token because a mail provider's RFC 8058 one-click POST has
neither. Token pages are per-reader: never cached, not indexed, and no Referer leaks them."""

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from welcome import ratelimit, services, tokens
from welcome.addresses import InvalidAddress
from welcome.protection import cross_site_reason, honeypot_filled

logger = logging.getLogger(__name__)

CHECK_INBOX = (
    "Check your inbox: if this address can receive our email, a message with a link to confirm "
    "your subscription is on its way."
)
TOO_MANY = (
    "Too many subscribe requests from your network in a short time. Please wait a minute and try again."
)
CROSS_SITE = (
    "This form was sent from another website, so we did not act on it. To subscribe, use the "
    "form on this page."
)
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def _private(response):
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


def _subscribe_page(request, *, status=200, error=None, email=""):
    context = {"hide_footer_subscribe": True, "subscribe_error": error, "subscribe_email": email}
    return render(request, "welcome/subscribe.html", context, status=status)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    """GET: the subscribe page (public, cacheable). POST: the HTML form, from this page or
    any page's footer; the answer is the same whether the address was new or not."""
    if request.method != "POST":
        return _subscribe_page(request)
    wait = ratelimit.retry_after(request)
    if wait:
        logger.warning("Subscribe refused: rate limit for this client address")
        response = _private(_subscribe_page(request, status=429, error=TOO_MANY))
        response["Retry-After"] = str(wait)
        return response
    reason = cross_site_reason(request)
    if reason:
        logger.warning("Subscribe refused: %s", reason)
        return _subscribe_page(request, status=403, error=CROSS_SITE)
    if honeypot_filled(request):
        logger.info("Subscribe ignored: the honeypot field was filled")
    else:
        raw = request.POST.get("email", "")
        try:
            services.subscribe(raw)
        except InvalidAddress as error:
            return _subscribe_page(request, status=400, error=str(error), email=raw[:300])
    # 303: the browser follows with a GET, so a reload does not post again.
    response = HttpResponseRedirect(reverse("welcome:subscribed"))
    response.status_code = 303
    return response


@require_http_methods(["GET", "HEAD"])
def subscribed(request):
    """The "check your inbox" page: the same for everyone, so it is cacheable."""
    return render(request, "welcome/subscribed.html", {"message": CHECK_INBOX})


def _api_error(status, code, message):
    """The API's one error shape: {"error": {"status", "code", "message"}}."""
    return JsonResponse({"error": {"status": status, "code": code, "message": message}}, status=status)


@csrf_exempt
def api_subscribers(request):
    """POST {"email": "..."} -> 202 {"email": normalised, "message": ...}, the same answer
    whether or not the address was already subscribed."""
    if request.method != "POST":
        response = _api_error(405, "method_not_allowed", 'Use POST with a JSON body: {"email": "…"}.')
        response["Allow"] = "POST"
        return response
    wait = ratelimit.retry_after(request)
    if wait:
        logger.warning("API subscribe refused: rate limit for this client address")
        response = _api_error(429, "too_many_requests", f"Too many subscribe requests; retry in {wait} s.")
        response["Retry-After"] = str(wait)
        return response
    reason = cross_site_reason(request)
    if reason:
        logger.warning("API subscribe refused: %s", reason)
        return _api_error(403, "cross_site_request", "Requests from other websites' pages are refused.")
    if request.content_type != "application/json":
        return _api_error(415, "unsupported_media_type", "Send JSON, with Content-Type: application/json.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _api_error(413, "payload_too_large", 'The body is too large for {"email": "…"}.')
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than json can parse
        return _api_error(400, "invalid_json", "The body is not valid JSON.")
    if not isinstance(payload, dict) or not isinstance(payload.get("email"), str):
        return _api_error(400, "invalid_request", 'The body must be a JSON object like {"email": "…"}.')
    try:
        email, _ = services.subscribe(payload["email"])
    except InvalidAddress as error:
        return _api_error(400, "invalid_email", str(error))
    return JsonResponse({"email": email, "message": CHECK_INBOX}, status=202)


def _bad_link(request, kind, error):
    context = {"kind": kind, "expired": isinstance(error, tokens.ExpiredToken)}
    return _private(render(request, "welcome/bad_link.html", context, status=400))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET: a page with a Confirm button, changing nothing. POST: confirm (idempotent)."""
    try:
        email, entry = tokens.read_confirm_token(token)
    except tokens.InvalidToken as error:
        return _bad_link(request, "confirm", error)
    if request.method != "POST":
        return _private(render(request, "welcome/confirm.html", {"email": email}))
    outcome = services.confirm(email, entry=entry)
    status = 404 if outcome == "missing" else 200
    return _private(render(request, "welcome/confirmed.html", {"outcome": outcome}, status=status))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET: a page with an Unsubscribe button, changing nothing. POST (a reader's click, or
    a mail provider's `List-Unsubscribe=One-Click`): unsubscribe (idempotent)."""
    try:
        email = tokens.read_unsubscribe_token(token)
    except tokens.InvalidToken as error:
        return _bad_link(request, "unsubscribe", error)
    if request.method != "POST":
        return _private(render(request, "welcome/unsubscribe.html", {"email": email}))
    services.unsubscribe(email)
    return _private(render(request, "welcome/unsubscribed.html", {"email": email}))
