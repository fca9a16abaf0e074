"""The origin answers only CloudFront.

API Gateway's own URL is public: a request sent straight to it skips the WAF's rate rules and
CloudFront's security headers, and picks its own client address. CloudFront adds a secret
header (`X-Origin-Verify`, infra/edge.yaml) to every request it forwards; the function loads
the same secret from SSM at start-up (`/<project>/<stage>/origin-verify`, and during a
rotation `origin-verify-previous`) and answers 403 to any request without it, before any view
runs. Schedules, S3, stream and SNS events and `zappa manage` are not HTTP and never get here.

Behind the lock, the client address is the one CloudFront saw (`CloudFront-Viewer-Address`,
which CloudFront writes itself), never a header the client wrote (`X-Forwarded-For`): the
subscribe rate limit and login throttling read REMOTE_ADDR.

Rotation: CloudFront sends the new value only once the edge stack is deployed again, while
new containers already know it. So both values are accepted while a rotation is under way, and
a warm container that sees an unknown value reads SSM again (at most once a minute) before it
refuses, so it learns the new value without a restart."""

import hmac
import ipaddress
import logging
import threading
import time

from django.conf import settings
from django.http import HttpResponse

from blog import ssm

logger = logging.getLogger(__name__)

HEADER = "HTTP_X_ORIGIN_VERIFY"
VIEWER_ADDRESS = "HTTP_CLOUDFRONT_VIEWER_ADDRESS"
REFRESH_SECONDS = 60

_lock = threading.Lock()
_learned = {"values": (), "checked_at": 0.0}


def accepted_values():
    """The secrets a request may carry: the settings' (loaded at start-up), plus any a
    refresh from SSM has learned since."""
    return tuple(v for v in (*settings.ORIGIN_VERIFY, *_learned["values"]) if v)


def _matches(value, candidates):
    # compare_digest on every candidate: no early exit that times which one was close.
    found = False
    for candidate in candidates:
        found |= hmac.compare_digest(value.encode(), candidate.encode())
    return found


def _refresh():
    """Read the origin secrets from SSM again; False if it was done less than a minute ago
    (a flood of wrong secrets costs at most one SSM call a minute per container)."""
    prefix = settings.SSM_PREFIX
    with _lock:
        if not prefix or time.monotonic() - _learned["checked_at"] < REFRESH_SECONDS:
            return False
        _learned["checked_at"] = time.monotonic()
    try:
        loaded = ssm.load_ssm_parameters(prefix if prefix.endswith("/") else prefix + "/")
    except Exception:
        logger.exception("Could not read the origin secret again from SSM")
        return False
    _learned["values"] = tuple(
        v for k, v in loaded.items() if k in {"ORIGIN_VERIFY", "ORIGIN_VERIFY_PREVIOUS"}
    )
    return True


def viewer_address(value):
    """The address part of CloudFront-Viewer-Address (`203.0.113.9:4567`, or an IPv6
    address followed by `:port`), or None if it is not one."""
    address = value.rsplit(":", 1)[0].strip("[]") if ":" in value else value
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def refused(request):
    if request.path_info.startswith("/api/"):
        from blog.api import error_response

        response = error_response(
            403, "forbidden", "This origin answers only requests through the site's CDN."
        )
    else:
        response = HttpResponse(
            "Forbidden: this origin answers only requests through the site's CDN.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    response["Cache-Control"] = "private, no-store"
    return response


class OriginLockMiddleware:
    """403 for requests that did not come through CloudFront (when ORIGIN_LOCK is on);
    REMOTE_ADDR from CloudFront-Viewer-Address for those that did."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.ORIGIN_LOCK:
            return self.get_response(request)
        value = request.META.get(HEADER, "")
        if not value or not (
            _matches(value, accepted_values()) or (_refresh() and _matches(value, accepted_values()))
        ):
            logger.warning(
                "Refused a request that did not come through CloudFront: %s", request.path_info[:200]
            )
            return refused(request)
        address = viewer_address(request.META.get(VIEWER_ADDRESS, ""))
        if address:
            request.META["REMOTE_ADDR"] = address
        return self.get_response(request)
