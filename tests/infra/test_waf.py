"""infra/waf.yaml's rules, played on requests the way WAF reads them: which requests count
against each per-IP rate limit (checked against the URLs the app really takes subscriptions
and logins on), and what the client over the limit is told. The web ACL's place on the
distribution: test_wiring.py."""

import urllib.parse

import pytest
from django.urls import reverse

from tests.infra.cfn import WAF_TEMPLATE, decide_conditions, evaluate, load

WAF = load(WAF_TEMPLATE)
VALUES = {"AWS::Region": "us-east-1", **{name: p["Default"] for name, p in WAF["Parameters"].items()}}


def acl(**parameters):
    values = {**VALUES, **parameters}
    return evaluate(WAF["Resources"]["WebAcl"]["Properties"], values, decide_conditions(WAF, values))


RULES = {rule["Name"]: rule for rule in acl(UseCommonRuleSet="true")["Rules"]}
TRANSFORMS = {"NONE": lambda v: v, "URL_DECODE": urllib.parse.unquote, "LOWERCASE": str.lower}
CONSTRAINTS = {
    "EXACTLY": lambda value, search: value == search,
    "STARTS_WITH": str.startswith,
    "ENDS_WITH": str.endswith,
    "CONTAINS": lambda value, search: search in value,
}


def matches(statement, method, path):
    """WAF's reading of a statement for a request (the URI path is without its query)."""
    [(kind, body)] = statement.items()
    if kind == "AndStatement":
        return all(matches(s, method, path) for s in body["Statements"])
    if kind == "OrStatement":
        return any(matches(s, method, path) for s in body["Statements"])
    if kind == "NotStatement":
        return not matches(body["Statement"], method, path)
    assert kind == "ByteMatchStatement", kind
    [field] = body["FieldToMatch"]
    value = {"Method": method, "UriPath": path}[field]
    for transformation in sorted(body["TextTransformations"], key=lambda t: t["Priority"]):
        value = TRANSFORMS[transformation["Type"]](value)
    return CONSTRAINTS[body["PositionalConstraint"]](value, body["SearchString"])


def counted(rule, method, path):
    return matches(RULES[rule]["Statement"]["RateBasedStatement"]["ScopeDownStatement"], method, path)


def subscribe_paths():
    return [reverse("welcome:subscribe"), reverse("welcome:api-subscribers")]


def test_every_subscribe_post_counts_against_the_subscribe_limit():
    """The form's and the API's, however the path is spelt (Django decodes `%73` as `s`)."""
    for path in subscribe_paths():
        encoded = f"/%{ord(path[1]):02X}{path[2:]}"
        for spelling in (path, encoded, path.rstrip("/")):
            assert counted("subscribe-rate-limit", "POST", spelling), spelling
        assert not counted("subscribe-rate-limit", "GET", path)
    for other in (reverse("blog:home"), "/api/v1/posts/", "/admin/login/"):
        assert not counted("subscribe-rate-limit", "POST", other), other


def test_every_admin_login_post_counts_against_the_login_limit():
    """Django's own login URL, with or without its slash and however spelt; not the admin's
    other pages, where an editor posts all day."""
    login = reverse("admin:login")
    for spelling in (login, login.rstrip("/"), login.replace("/login", "/%6Cogin")):
        assert counted("admin-login-rate-limit", "POST", spelling), spelling
    assert not counted("admin-login-rate-limit", "GET", login)
    for other in ("/admin/blog/post/add/", "/admin/", *subscribe_paths()):
        assert not counted("admin-login-rate-limit", "POST", other), other


@pytest.mark.parametrize("rule", ["subscribe-rate-limit", "admin-login-rate-limit"])
def test_a_client_over_a_limit_is_told_to_wait_out_the_window(rule):
    """Counted per address as CloudFront saw it (a client cannot choose it, as it could
    X-Forwarded-For), within what WAF accepts, and answered 429 with a Retry-After covering
    the window and a body that exists."""
    statement = RULES[rule]["Statement"]["RateBasedStatement"]
    response = RULES[rule]["Action"]["Block"]["CustomResponse"]
    [written] = [r for r in WAF["Resources"]["WebAcl"]["Properties"]["Rules"] if r.get("Name") == rule]
    parameter = written["Statement"]["RateBasedStatement"]["Limit"]["Ref"]

    assert statement["AggregateKeyType"] == "IP"
    assert WAF["Parameters"][parameter]["MinValue"] >= 10  # WAF's floor for a rate-based rule
    assert response["ResponseCode"] == 429
    assert {"Name": "Retry-After", "Value": str(statement["EvaluationWindowSec"])} in response[
        "ResponseHeaders"
    ]
    assert response["CustomResponseBodyKey"] in acl()["CustomResponseBodies"]


@pytest.mark.parametrize("common", ["false", "true"])
def test_rules_have_unique_names_and_priorities(common):
    rules = acl(UseCommonRuleSet=common)["Rules"]
    assert len({r["Name"] for r in rules}) == len({r["Priority"] for r in rules}) == len(rules)


def test_the_common_rule_set_is_optional_and_never_blocks_a_long_post():
    """Off by default (it costs per request); on, its body-size rule only counts, since the
    admin posts long Markdown bodies."""
    assert [r["Name"] for r in acl()["Rules"]] == ["subscribe-rate-limit", "admin-login-rate-limit"]
    common = RULES["aws-common-rule-set"]["Statement"]["ManagedRuleGroupStatement"]
    assert (common["VendorName"], common["Name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    assert {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}} in common["RuleActionOverrides"]


@pytest.mark.parametrize(("region", "allowed"), [("us-east-1", True), ("eu-west-1", False)])
def test_the_web_acl_is_for_cloudfront_and_made_only_where_cloudfront_finds_it(region, allowed):
    [assertion] = WAF["Rules"]["CloudFrontScopeLivesInUsEast1"]["Assertions"]
    assert acl()["Scope"] == "CLOUDFRONT"
    assert acl()["DefaultAction"] == {"Allow": {}}
    assert evaluate(assertion["Assert"], {"AWS::Region": region}) is allowed
