"""infra/waf.yaml and its place on the distribution: a CLOUDFRONT web ACL (us-east-1 only) whose
rate-based rule blocks subscribe POSTs beyond a per-IP limit with a 429, and edge.yaml's optional
WebAclArn parameter that puts it on the distribution."""

from tests.infra.cfn import EDGE_TEMPLATE, WAF_TEMPLATE, load

WAF = load(WAF_TEMPLATE)
ACL = WAF["Resources"]["WebAcl"]["Properties"]
EDGE = load(EDGE_TEMPLATE)


def rate_rule():
    [rule] = [r for r in ACL["Rules"] if isinstance(r, dict) and r.get("Name") == "subscribe-rate-limit"]
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
