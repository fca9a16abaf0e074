"""The CloudFront distribution in infra/edge.yaml, read from the template (moto does not make
CloudFront from CloudFormation): which path goes where, what is cached, what reaches the origin."""

import fnmatch

import pytest

from tests.infra.cfn import EDGE_TEMPLATE, load

EDGE = load(EDGE_TEMPLATE)
RESOURCES = EDGE["Resources"]
CONFIG = RESOURCES["Distribution"]["Properties"]["DistributionConfig"]
ORIGINS = {origin["Id"]: origin for origin in CONFIG["Origins"]}
BEHAVIOURS = {b["PathPattern"]: b for b in CONFIG["CacheBehaviors"]}
ALL_BEHAVIOURS = [CONFIG["DefaultCacheBehavior"], *CONFIG["CacheBehaviors"]]

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
SUBSCRIPTION_PATTERNS = ["/subscribe/*", "/api/v1/subscribers/*", "/confirm/*", "/unsubscribe/*"]


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


def test_pages_and_api_are_cached_as_the_origin_says_without_cookies():
    """MinTTL and DefaultTTL 0: the origin's Cache-Control decides, no header means no caching."""
    default = CONFIG["DefaultCacheBehavior"]
    cache = resource_of(default["CachePolicyId"])["Properties"]["CachePolicyConfig"]
    key = cache["ParametersInCacheKeyAndForwardedToOrigin"]

    assert default["TargetOriginId"] == "api"
    assert (cache["MinTTL"], cache["DefaultTTL"]) == (0, 0)
    assert cache["MaxTTL"] >= 86400
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    assert key["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert key["EnableAcceptEncodingGzip"] is key["EnableAcceptEncodingBrotli"] is True
    assert default["Compress"] is True


def _query_parameters_read(root):
    """Every literal query parameter the public code reads: request.GET.get("x"),
    request.GET["x"], and the API's _bounded(request, "x") and _query_int(request, "x", ...).
    The admin and the editor's views are left out: CloudFront never caches /admin/*."""
    import ast
    from pathlib import Path

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


def test_pages_and_api_take_reads_and_uncached_cors_preflights_only():
    default = CONFIG["DefaultCacheBehavior"]

    assert set(default["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS"}
    assert set(default["CachedMethods"]) == {"GET", "HEAD"}


def origin_request_config(behaviour):
    policy = resource_of(behaviour["OriginRequestPolicyId"])["Properties"]
    return policy["OriginRequestPolicyConfig"]


def test_public_routes_forward_no_cookies_and_only_preflight_headers():
    """Pages must not see a reader's cookies, and API Gateway answers only to its own Host;
    the viewer's address comes as CloudFront saw it."""
    config = origin_request_config(CONFIG["DefaultCacheBehavior"])

    assert config["CookiesConfig"] == {"CookieBehavior": "none"}
    assert config["HeadersConfig"] == {
        "HeaderBehavior": "whitelist",
        "Headers": [
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
            "CloudFront-Viewer-Address",
        ],
    }
    assert config["QueryStringsConfig"] == {"QueryStringBehavior": "all"}


@pytest.mark.parametrize("pattern", ["/admin/*", "/preview/*"])
def test_admin_and_previews_are_never_cached_and_get_their_cookies(pattern):
    behaviour = BEHAVIOURS[pattern]

    assert behaviour["TargetOriginId"] == "api"
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert set(behaviour["AllowedMethods"]) == ALL_METHODS


@pytest.mark.parametrize("pattern", SUBSCRIPTION_PATTERNS)
def test_subscription_routes_take_posts_uncached_and_need_no_cookies(pattern):
    """One-click unsubscribe is a cookieless POST from the mail provider."""
    behaviour = BEHAVIOURS[pattern]

    assert behaviour["TargetOriginId"] == "api"
    assert set(behaviour["AllowedMethods"]) == ALL_METHODS
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert behaviour["OriginRequestPolicyId"] == {"Ref": "SubscriptionOriginRequestPolicy"}


def test_subscription_routes_forward_the_headers_of_the_cross_site_check_but_no_cookies():
    """Without a CSRF cookie, welcome/protection.py refuses cross-site posts by Origin and
    Sec-Fetch-Site; CloudFront must pass both, or every post would look like a non-browser's."""
    config = origin_request_config(BEHAVIOURS["/subscribe/*"])

    assert config["CookiesConfig"] == {"CookieBehavior": "none"}
    assert config["HeadersConfig"]["HeaderBehavior"] == "whitelist"
    assert {"Origin", "Sec-Fetch-Site"} <= set(config["HeadersConfig"]["Headers"])
    assert "Host" not in config["HeadersConfig"]["Headers"]


@pytest.mark.parametrize(("pattern", "origin"), [("/static/*", "static"), ("/renditions/*", "media")])
def test_static_files_and_media_come_from_s3_through_origin_access_control(pattern, origin):
    behaviour = BEHAVIOURS[pattern]
    s3 = ORIGINS[origin]
    access = RESOURCES["OriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    bucket = "Static" if origin == "static" else "Media"

    assert behaviour["TargetOriginId"] == origin
    assert behaviour["CachePolicyId"] == CACHING_OPTIMIZED
    assert set(behaviour["AllowedMethods"]) == {"GET", "HEAD"}
    assert "OriginRequestPolicyId" not in behaviour
    assert s3["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    assert s3["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert s3["DomainName"] == {
        "Fn::ImportValue": {"Fn::Sub": f"${{DataStackName}}-{bucket}BucketRegionalDomainName"}
    }
    assert "OriginPath" not in s3  # a public path is the object's key
    assert access["OriginAccessControlOriginType"] == "s3"
    assert access["SigningBehavior"] == "always"
    assert access["SigningProtocol"] == "sigv4"


def test_api_origin_is_api_gateway_over_https_at_zappas_stage():
    api = ORIGINS["api"]

    assert api["DomainName"] == {"Ref": "ApiDomainName"}
    assert api["OriginPath"] == {"Ref": "ApiStagePath"}
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]


@pytest.mark.parametrize("behaviour", ALL_BEHAVIOURS, ids=lambda b: b.get("PathPattern", "default"))
def test_every_behaviour_is_https_and_carries_the_security_headers(behaviour):
    assert behaviour["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}


def test_security_headers_match_what_django_sends():
    config = RESOURCES["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    headers = config["SecurityHeadersConfig"]

    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    condition, csp, absent = headers["ContentSecurityPolicy"]["Fn::If"]
    assert (condition, absent) == ("HasContentSecurityPolicy", {"Ref": "AWS::NoValue"})
    assert csp == {"ContentSecurityPolicy": {"Ref": "ContentSecurityPolicy"}, "Override": False}
    assert "frame-ancestors 'none'" in EDGE["Parameters"]["ContentSecurityPolicy"]["Default"]


def test_distribution_speaks_http2_and_3_and_takes_an_optional_domain():
    certificate = CONFIG["ViewerCertificate"]["Fn::If"]

    assert CONFIG["HttpVersion"] == "http2and3"
    assert CONFIG["Aliases"] == {"Fn::If": ["HasCustomDomain", {"Ref": "Aliases"}, {"Ref": "AWS::NoValue"}]}
    assert certificate[0] == "HasCustomDomain"
    assert certificate[1]["SslSupportMethod"] == "sni-only"
    assert certificate[1]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate[2] == {"CloudFrontDefaultCertificate": True}


def bucket_policy(name):
    return RESOURCES[name]["Properties"]["PolicyDocument"]["Statement"]


THIS_DISTRIBUTION = {
    "StringEquals": {
        "AWS:SourceArn": {
            "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
        }
    }
}


def test_only_this_distribution_reads_renditions_and_never_originals():
    allow, deny = bucket_policy("MediaBucketPolicy")
    arn = {"Fn::ImportValue": {"Fn::Sub": "${DataStackName}-MediaBucketArn"}}

    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == [
        {"Fn::Sub": ["${BucketArn}/renditions/*", {"BucketArn": arn}]},
    ]
    assert allow["Condition"] == THIS_DISTRIBUTION
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_only_this_distribution_reads_the_static_bucket():
    allow, deny = bucket_policy("StaticBucketPolicy")
    arn = {"Fn::ImportValue": {"Fn::Sub": "${DataStackName}-StaticBucketArn"}}

    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == {"Fn::Sub": ["${BucketArn}/*", {"BucketArn": arn}]}
    assert allow["Condition"] == THIS_DISTRIBUTION
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
