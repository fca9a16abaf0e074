"""How the subscribe endpoints are protected without a session.

The public pages that carry the form are cached by CloudFront and must never set a cookie,
so Django's CSRF cookie and token cannot be used; the subscribe POSTs are CSRF-exempt and
protected like this instead:

- Cross-site browser posts are refused (403 with a clear message): modern browsers send
  `Sec-Fetch-Site` and `Origin` on every POST, and neither can be set by a page's script. A
  request with neither is not from a modern browser, so there is no victim's browser to abuse.
- A hidden honeypot field (`website`) catches form-filling bots; they get the same answer as
  everyone else, and nothing happens.
- What any forger can achieve is limited by double opt-in: one confirmation email per
  address, none more while it is pending or confirmed, none ever once suppressed, and the
  answer is the same whether the address was new, so it reveals nothing.
- Volume: the WAF rate-based rule on CloudFront (infra/waf.yaml) limits POSTs to
  /subscribe/ and /api/v1/subscribers/ per IP; the app adds a per-container courtesy limit
  with a clear 429 (welcome.ratelimit), as a Lambda has no shared state to count in.

The JSON API also requires `Content-Type: application/json`, which a cross-site page can only
send after a CORS preflight, and the preflight allows only GET and HEAD."""

from urllib.parse import urlsplit

from django.conf import settings

HONEYPOT_FIELD = "website"


def _origin(url):
    """`scheme://host[:port]`, or None for anything that is not such a URL (a malformed
    Origin header is simply not this site)."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname}{port}".lower()


def allowed_origins(request):
    origins = {_origin(settings.SITE_URL), _origin(request.build_absolute_uri("/"))}
    origins.update(_origin(origin) for origin in settings.CSRF_TRUSTED_ORIGINS)
    return origins - {None}


def cross_site_reason(request):
    """Why this POST looks like another site's page sending it, or None if it does not."""
    fetch_site = request.headers.get("Sec-Fetch-Site", "").lower()
    if fetch_site == "cross-site":
        return "Sec-Fetch-Site: cross-site"
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    if origin == "null" or _origin(origin) not in allowed_origins(request):
        return f"Origin {origin!r} is not this site"
    return None


def honeypot_filled(request):
    return bool(request.POST.get(HONEYPOT_FIELD, "").strip())
