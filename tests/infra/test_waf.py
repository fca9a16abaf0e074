"""infra/waf.yaml and its place on the distribution: a CLOUDFRONT web ACL (us-east-1 only) whose
rate-based rules block subscribe POSTs and admin login POSTs beyond a per-IP limit with a 429,
and edge.yaml's optional WebAclArn parameter that puts it on the distribution."""

from tests.infra.cfn import EDGE_TEMPLATE, WAF_TEMPLATE, load

WAF = load(WAF_TEMPLATE)
ACL = WAF["Resources"]["WebAcl"]["Properties"]
EDGE = load(EDGE_TEMPLATE)


def rate_rule(name="subscribe-rate-limit"):
    [rule] = [r for r in ACL["Rules"] if isinstance(r, dict) and r.get("Name") == name]
    return rule


def test_a_cloudfront_web_acl_that_allows_by_default_and_only_in_us_east_1():
    assert ACL["Scope"] == "CLOUDFRONT"
    assert ACL["DefaultAction"] == {"Allow": {}}
    [assertion] = WAF["Rules"]["CloudFrontScopeLivesInUsEast1"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    assert WAF["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}


def test_subscribe_posts_are_rate_limited_per_ip_over_five_minutes():
    statement = rate_rule()["Statement"]["RateBasedStatement"]
    assert statement["Limit"] == {"Ref": "SubscribeRateLimit"}
    assert WAF["Parameters"]["SubscribeRateLimit"]["Default"] == 100
    assert statement["EvaluationWindowSec"] == 300
    assert statement["AggregateKeyType"] == "IP"

    method, paths = statement["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert method["ByteMatchStatement"]["FieldToMatch"] == {"Method": {}}
    assert method["ByteMatchStatement"]["SearchString"] == "POST"
    matches = [s["ByteMatchStatement"] for s in paths["OrStatement"]["Statements"]]
    assert {m["SearchString"] for m in matches} == {"/subscribe", "/api/v1/subscribers"}
    for match in matches:
        assert match["FieldToMatch"] == {"UriPath": {}}
        assert match["PositionalConstraint"] == "STARTS_WITH"
        assert {"Priority": 0, "Type": "URL_DECODE"} in match["TextTransformations"]


def test_over_the_limit_is_blocked_with_a_429_and_retry_after():
    response = rate_rule()["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert {"Name": "Retry-After", "Value": "300"} in response["ResponseHeaders"]
    assert response["CustomResponseBodyKey"] in ACL["CustomResponseBodies"]
    assert rate_rule()["Priority"] == 0


def test_admin_login_posts_are_rate_limited_per_ip_over_five_minutes():
    """Beside the app's lockout per account and address: one address trying many accounts
    (each attempt hashes a password, about a second of CPU) is stopped at the edge."""
    rule = rate_rule("admin-login-rate-limit")
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["Limit"] == {"Ref": "AdminLoginRateLimit"}
    assert WAF["Parameters"]["AdminLoginRateLimit"]["Default"] == 20
    assert WAF["Parameters"]["AdminLoginRateLimit"]["MinValue"] == 10  # WAF's own floor
    assert (statement["EvaluationWindowSec"], statement["AggregateKeyType"]) == (300, "IP")
    method, path = statement["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert method["ByteMatchStatement"]["FieldToMatch"] == {"Method": {}}
    assert method["ByteMatchStatement"]["SearchString"] == "POST"
    match = path["ByteMatchStatement"]
    assert (match["FieldToMatch"], match["PositionalConstraint"]) == ({"UriPath": {}}, "STARTS_WITH")
    assert match["SearchString"] == "/admin/login"
    assert {"Priority": 0, "Type": "URL_DECODE"} in match["TextTransformations"]
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert {"Name": "Retry-After", "Value": "300"} in response["ResponseHeaders"]
    assert response["CustomResponseBodyKey"] in ACL["CustomResponseBodies"]


def test_rule_priorities_are_unique():
    priorities = [r["Priority"] for r in ACL["Rules"] if "Priority" in r]
    priorities += [r["Fn::If"][1]["Priority"] for r in ACL["Rules"] if "Fn::If" in r]
    assert len(priorities) == len(set(priorities))


def test_the_common_rule_set_is_optional():
    [conditional] = [r for r in ACL["Rules"] if "Fn::If" in r]
    condition, rule, absent = conditional["Fn::If"]
    assert (condition, absent) == ("CommonRules", {"Ref": "AWS::NoValue"})
    assert rule["Statement"]["ManagedRuleGroupStatement"]["Name"] == "AWSManagedRulesCommonRuleSet"
    assert WAF["Parameters"]["UseCommonRuleSet"]["Default"] == "false"


def test_the_distribution_takes_the_web_acl_when_given():
    config = EDGE["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}
    assert EDGE["Parameters"]["WebAclArn"]["Default"] == ""
    assert EDGE["Conditions"]["HasWebAcl"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}]}
