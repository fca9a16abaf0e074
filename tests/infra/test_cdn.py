"""The CloudFront distribution in infra/edge.yaml, read from the template (moto does not make
CloudFront from CloudFormation): which path goes where, that nothing personal is cached or
shared, and that what reaches the app is what the app reads (its query parameters, its
cross-site and origin headers, its security headers). Who may read the buckets behind it:
test_permissions.py."""

import ast
import fnmatch
from pathlib import Path

import pytest
from django.conf import settings

from tests.infra.cfn import EDGE_TEMPLATE, load

EDGE = load(EDGE_TEMPLATE)
RESOURCES = EDGE["Resources"]
CONFIG = RESOURCES["Distribution"]["Properties"]["DistributionConfig"]
ORIGINS = {origin["Id"]: origin for origin in CONFIG["Origins"]}
BEHAVIOURS = {b["PathPattern"]: b for b in CONFIG["CacheBehaviors"]}
ALL_BEHAVIOURS = [CONFIG["DefaultCacheBehavior"], *CONFIG["CacheBehaviors"]]

# AWS's managed policies, by id: what each does is AWS's documentation, written out here.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # no cookies, headers or query strings in the key
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # every cookie, every header but Host
MANAGED_ORIGIN_REQUESTS = {ALL_VIEWER_EXCEPT_HOST: {"cookies": True, "host": False}}
WRITES = {"PUT", "PATCH", "POST", "DELETE"}


def resource_of(reference):
    """The resource a {"Ref": name} points to."""
    return RESOURCES[reference["Ref"]]


def behaviour_for(path):
    """CloudFront's choice: the first pattern that matches (`*` spans slashes), else the default."""
    for behaviour in CONFIG["CacheBehaviors"]:
        if fnmatch.fnmatchcase(path, behaviour["PathPattern"]):
            return behaviour["PathPattern"]
    return "default"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "default"),
        ("/posts/hello-world/", "default"),
        ("/feeds/rss.xml", "default"),
        ("/api/v1/posts/", "default"),
        ("/api/v1/openapi.json", "default"),
        ("/admin/", "/admin/*"),
        ("/admin/blog/post/1/change/", "/admin/*"),
        ("/preview/posts/7/", "/preview/*"),
        ("/subscribe/", "/subscribe/*"),
        ("/api/v1/subscribers/", "/api/v1/subscribers/*"),
        ("/confirm/abc123/", "/confirm/*"),
        ("/unsubscribe/abc123/", "/unsubscribe/*"),
        ("/static/blog/site.3f2a1b.css", "/static/*"),
        ("/renditions/2026/11/a/640.webp", "/renditions/*"),
        # Originals are never served from the bucket: the path falls to the app (a 404).
        ("/uploads/2026/11/a.jpg", "default"),
    ],
)
def test_each_kind_of_path_reaches_its_behaviour(path, expected):
    assert behaviour_for(path) == expected


def _query_parameters_read(root):
    """Every literal query parameter the public code reads: request.GET.get("x"),
    request.GET["x"], and the API's _bounded(request, "x") and _query_int(request, "x", ...).
    The admin and the editor's views are left out: CloudFront never caches /admin/*."""
    found = {}
    for path in sorted(Path(root).glob("*.py")):
        if path.stem in {"admin", "editor", "admin_forms", "admin_pages", "events_admin"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr in {"get", "getlist"}
                    and isinstance(func.value, ast.Attribute)
                    and func.value.attr == "GET"
                ):
                    name = node.args[0]
                elif (
                    isinstance(func, ast.Name)
                    and func.id in {"_bounded", "_query_int"}
                    and len(node.args) > 1
                ):
                    name = node.args[1]
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "GET"
            ):
                name = node.slice
            if isinstance(name, ast.Constant):
                found.setdefault(name.value, []).append(f"{path.name}:{node.lineno}")
    return found


def test_the_cache_key_holds_exactly_the_query_parameters_the_site_reads():
    """utm_*, fbclid and other parameters the site ignores must not make a separate, uncached
    copy of a page; every parameter a public page does read must be in the key (or one copy
    would be served for all its values)."""
    root = EDGE_TEMPLATE.parents[1]
    default = CONFIG["DefaultCacheBehavior"]
    key = resource_of(default["CachePolicyId"])["Properties"]["CachePolicyConfig"][
        "ParametersInCacheKeyAndForwardedToOrigin"
    ]
    config = key["QueryStringsConfig"]
    assert config["QueryStringBehavior"] == "whitelist"
    read = {**_query_parameters_read(root / "blog"), **_query_parameters_read(root / "welcome")}
    assert set(config["QueryStrings"]) == set(read), read
    assert {"page", "q", "tag", "author"} <= set(read)  # the scan itself still finds them


def caches(behaviour):
    return behaviour["CachePolicyId"] != CACHING_DISABLED


def forwards(behaviour):
    """(cookies?, Host?, [named headers]) that reach the origin for a behaviour."""
    policy = behaviour.get("OriginRequestPolicyId")
    if policy is None:
        return False, False, []
    if isinstance(policy, str):
        managed = MANAGED_ORIGIN_REQUESTS[policy]
        return managed["cookies"], managed["host"], ["*"]
    config = resource_of(policy)["Properties"]["OriginRequestPolicyConfig"]
    headers = config["HeadersConfig"].get("Headers", [])
    assert config["HeadersConfig"]["HeaderBehavior"] in {"none", "whitelist"}
    return config["CookiesConfig"]["CookieBehavior"] != "none", "Host" in headers, headers


def cache_key(behaviour):
    """(cookies?, headers) in the cache key of a behaviour's own cache policy."""
    policy = behaviour["CachePolicyId"]
    if isinstance(policy, str):
        assert policy in {CACHING_DISABLED, CACHING_OPTIMIZED}, policy
        return False, []
    key = resource_of(policy)["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
    return key["CookiesConfig"]["CookieBehavior"] != "none", key["HeadersConfig"].get("Headers", [])


@pytest.mark.parametrize("behaviour", ALL_BEHAVIOURS, ids=lambda b: b.get("PathPattern", "default"))
def test_nothing_personal_is_cached_or_shared(behaviour):
    """A behaviour that lets cookies through (sessions, CSRF) or takes writes is never cached;
    one that caches keeps cookies out of both the key and the origin's request, so one copy
    serves every reader and none is anyone's own."""
    cookies, _, headers = forwards(behaviour)
    writes = WRITES & set(behaviour["AllowedMethods"])
    if cookies or writes:
        assert not caches(behaviour)
        assert behaviour["TargetOriginId"] == "api", "only the app takes writes and cookies"
    if caches(behaviour):
        assert cache_key(behaviour) == (False, [])
        assert not cookies and "Authorization" not in headers and "*" not in headers
        assert set(behaviour["CachedMethods"]) <= {"GET", "HEAD"}


def test_pages_are_cached_as_long_as_the_app_says_and_not_without_it():
    """The app's Cache-Control decides (s-maxage for readers' pages, none for the rest): a
    response without one is not cached, and none is kept longer than it says."""
    cache = resource_of(CONFIG["DefaultCacheBehavior"]["CachePolicyId"])["Properties"]["CachePolicyConfig"]
    assert (cache["MinTTL"], cache["DefaultTTL"]) == (0, 0)


@pytest.mark.parametrize(
    "behaviour",
    [b for b in ALL_BEHAVIOURS if b["TargetOriginId"] == "api"],
    ids=lambda b: b.get("PathPattern", "default"),
)
def test_the_app_gets_its_own_host_and_the_address_cloudfront_saw(behaviour):
    """API Gateway answers only to its own Host; the app limits rates by the viewer's address
    as CloudFront saw it (blog/origin.py), which a client cannot write."""
    from blog import origin

    _, host, headers = forwards(behaviour)
    assert not host
    viewer = origin.VIEWER_ADDRESS.removeprefix("HTTP_").replace("_", "-").lower()
    assert "*" in headers or viewer in [h.lower() for h in headers]


def _headers_read(module):
    """Every literal header name `request.headers.get("...")` reads in `module`."""
    tree = ast.parse(Path(module.__file__).read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
        and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "headers"
        and node.args and isinstance(node.args[0], ast.Constant)
    }  # fmt: skip


@pytest.mark.parametrize(
    "path", ["/subscribe/", "/api/v1/subscribers/", "/confirm/abc/", "/unsubscribe/abc/"]
)
def test_subscription_routes_pass_what_the_cross_site_check_reads(path):
    """Without a CSRF cookie (none reaches these routes), welcome/protection.py refuses
    cross-site posts by the headers it reads: CloudFront must pass each of them."""
    from welcome import protection

    behaviour = BEHAVIOURS[behaviour_for(path)]
    cookies, _, headers = forwards(behaviour)
    read = _headers_read(protection)

    assert {"Origin", "Sec-Fetch-Site"} <= read  # the scan still finds them
    assert not cookies
    assert read <= set(headers) or "*" in headers
    assert "POST" in behaviour["AllowedMethods"] and not caches(behaviour)


def test_the_app_is_reached_only_through_cloudfront():
    """Every request to the app carries the origin secret in the header blog/origin.py checks,
    from the stack's parameter (the function loads the same SSM parameter); over TLS only."""
    from blog import origin

    api = ORIGINS["api"]
    [header] = api["OriginCustomHeaders"]

    assert "HTTP_" + header["HeaderName"].upper().replace("-", "_") == origin.HEADER
    assert header["HeaderValue"] == {"Ref": "OriginVerifySecret"}
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert set(api["CustomOriginConfig"]["OriginSSLProtocols"]) <= {"TLSv1.2", "TLSv1.3"}


@pytest.mark.parametrize("behaviour", ALL_BEHAVIOURS, ids=lambda b: b.get("PathPattern", "default"))
def test_every_behaviour_is_https_and_carries_the_security_headers(behaviour):
    assert behaviour["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}


def test_security_headers_are_the_ones_django_sends():
    """So the static files, the renditions and CloudFront's own errors carry what the app's
    pages do; the app's own Content-Security-Policy wins where it sends one."""
    headers = RESOURCES["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    hsts = headers["StrictTransportSecurity"]

    assert hsts["AccessControlMaxAgeSec"] == settings.SECURE_HSTS_SECONDS
    assert hsts["IncludeSubdomains"] is settings.SECURE_HSTS_INCLUDE_SUBDOMAINS
    assert hsts["Preload"] is settings.SECURE_HSTS_PRELOAD
    assert headers["ContentTypeOptions"]["Override"] is settings.SECURE_CONTENT_TYPE_NOSNIFF
    assert headers["FrameOptions"]["FrameOption"] == settings.X_FRAME_OPTIONS
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == settings.SECURE_REFERRER_POLICY
    _, csp, _ = headers["ContentSecurityPolicy"]["Fn::If"]
    assert csp["Override"] is False
