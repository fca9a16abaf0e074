"""Subscribe requests per client address: a fixed-window counter in Django's cache.

The client address is REMOTE_ADDR. Behind CloudFront it is the viewer address CloudFront saw
(`CloudFront-Viewer-Address`, set by blog.origin once the request has proved it came through
CloudFront), never what a client wrote in X-Forwarded-For; locally it is the socket's peer.

The default cache is in memory, per process: on Lambda, per warm container, so a determined
client spread over many containers gets more. This is the app's courtesy limit with a clear
answer; the real limit is the WAF rate-based rule on the distribution (infra/waf.yaml)."""

import math
import time

from django.conf import settings
from django.core.cache import cache


def retry_after(request, *, now=None):
    """Count this request; None if it is within the limit, else the seconds until the window
    resets (the `Retry-After` value)."""
    limit = settings.SUBSCRIBE_RATE_LIMIT
    window = settings.SUBSCRIBE_RATE_WINDOW
    if not limit:
        return None
    now = time.time() if now is None else now
    start = math.floor(now / window) * window
    key = f"subscribe-rate:{request.META.get('REMOTE_ADDR', '')}:{int(start)}"
    # add() only sets a missing key, so two requests at once never reset each other's count.
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this one afresh
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil(start + window - now))
