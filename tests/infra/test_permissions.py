"""Who may do what to the stacks' resources: nothing is public, each resource policy lets in
one AWS service acting for one resource of ours, the buckets are read only by this
distribution and only where it routes, and SES may publish only our configuration set's
events. The function's own role is tests/rehearsal/test_policy.py's."""

import fnmatch
import json

import boto3
import pytest

from tests.infra.cfn import (
    ACCOUNT,
    DATA_STACK,
    FUNCTION,
    REGION,
    TEMPLATES,
    evaluate,
    imported_outputs,
    loaded,
    moto_skips_unknown_types,
    references,
    resource_policies,
    zappa_stages,
)
from tests.infra.test_wiring import make_edge_stack

LOADED = loaded()
DATA, EDGE = LOADED["data"], LOADED["edge"]
ZAPPA = zappa_stages()
DISTRIBUTION = "E2EXAMPLE0DIST"
# What the templates' references come to for the prod stage in moto's account.
VALUES = {
    "AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::StackName": DATA_STACK,
    "ProjectName": "blog", "Stage": "prod", "DataStackName": DATA_STACK, "Distribution": DISTRIBUTION,
    "ConfigurationSet": "blog-prod",
    "SesNotificationsTopic": f"arn:aws:sns:{REGION}:{ACCOUNT}:blog-prod-ses-notifications",
    "FailedRecordsQueue.Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:blog-prod-failed-records",
    **{f"{DATA_STACK}-{kind}Bucket{what}": value
       for kind in ("Media", "Static")
       for what, value in (("Name", f"blog-prod-{kind.lower()}"), ("Arn", f"arn:aws:s3:::blog-prod-{kind.lower()}"))},
}  # fmt: skip
SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount"}


def conditions_on(statement):
    """{condition key, lower-cased: value} of a statement, whatever the operator."""
    return {
        key.lower(): value
        for block in statement.get("Condition", {}).values()
        for key, value in block.items()
    }


def as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_nothing_is_open_to_anyone(name):
    """Every resource policy's Allow names an AWS service, never everyone or another account,
    and only when it acts for one of our own resources (its aws:SourceArn names something
    these stacks make): the confused deputy cannot borrow it."""
    own = set(LOADED[name]["Resources"]) | set(LOADED[name].get("Parameters", {}))
    allows = [(r, s) for r, s in resource_policies(LOADED[name]) if s["Effect"] == "Allow"]
    assert bool(allows) is (name in {"data", "edge"}), "the check must see the policies there are"
    for resource, statement in allows:
        principal = statement["Principal"]
        assert isinstance(principal, dict) and set(principal) == {"Service"}, (resource, principal)
        assert all(p.endswith(".amazonaws.com") for p in as_list(principal["Service"])), resource
        source = conditions_on(statement).get("aws:sourcearn")
        assert source is not None, f"{resource}: any {principal['Service']} customer could use it"
        assert references(source) & own or imported_outputs(source), (resource, source)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_bucket_refuses_public_access_and_acls(name):
    """Any bucket any stack makes (now or later): all four public-access blocks on, and ACLs
    off (the bucket owner owns every object), so only bucket policies grant access."""
    for bucket, resource in LOADED[name]["Resources"].items():
        if resource["Type"] != "AWS::S3::Bucket":
            continue
        properties = resource["Properties"]
        assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}, bucket
        assert len(properties["PublicAccessBlockConfiguration"]) == 4, bucket
        assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}, (
            bucket
        )


@moto_skips_unknown_types
def test_only_sns_for_the_ses_topic_of_this_account_may_invoke_the_function(data_stack, zappa_function):
    """The function's resource policy as Lambda holds it once the edge stack is made: one
    grant, to SNS, for the data stack's topic in this account. (API Gateway invokes it
    through the function's role, whose trust is below.)"""
    make_edge_stack()

    [statement] = json.loads(boto3.client("lambda").get_policy(FunctionName=FUNCTION)["Policy"])["Statement"]

    assert (statement["Effect"], statement["Action"]) == ("Allow", "lambda:InvokeFunction")
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Resource"] == zappa_function
    assert statement["Condition"] == {
        "ArnLike": {"AWS:SourceArn": data_stack["SesNotificationsTopicArn"]},
        "StringEquals": {"AWS:SourceAccount": ACCOUNT},
    }


@moto_skips_unknown_types
def test_only_lambda_and_api_gateway_of_this_account_may_take_the_functions_role(data_stack):
    role = boto3.client("iam").get_role(RoleName=data_stack["FunctionRoleName"])["Role"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]

    assert (statement["Effect"], statement["Action"]) == ("Allow", "sts:AssumeRole")
    assert sorted(as_list(statement["Principal"]["Service"])) == [
        "apigateway.amazonaws.com",
        "lambda.amazonaws.com",
    ]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_only_ses_sending_through_our_configuration_set_may_publish_to_the_topic():
    """The topic takes SES's events of the configuration set whose destination is this topic,
    which is the set the function sends through (zappa_settings' SES_CONFIGURATION_SET); the
    destination is made only once SES may publish (SES checks at creation)."""
    resources = DATA["Resources"]
    [statement] = evaluate(resources["SesNotificationsTopicPolicy"]["Properties"]["PolicyDocument"], VALUES)[
        "Statement"
    ]
    destination = evaluate(resources["BouncesAndComplaints"]["Properties"], VALUES)
    configuration_set = evaluate(resources["ConfigurationSet"]["Properties"]["Name"], VALUES)
    topic = VALUES["SesNotificationsTopic"]

    assert (statement["Principal"], statement["Action"], statement["Resource"]) == (
        {"Service": "ses.amazonaws.com"}, "sns:Publish", topic,
    )  # fmt: skip
    assert statement["Condition"] == {
        "StringEquals": {
            "AWS:SourceAccount": ACCOUNT,
            "AWS:SourceArn": f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/{configuration_set}",
        }
    }
    assert destination["ConfigurationSetName"] == configuration_set
    assert destination["EventDestination"]["SnsDestination"] == {"TopicARN": topic}
    assert resources["BouncesAndComplaints"]["DependsOn"] == "SesNotificationsTopicPolicy"
    assert ZAPPA["prod"]["aws_environment_variables"]["SES_CONFIGURATION_SET"] == configuration_set


def test_only_the_ses_topic_may_put_messages_in_the_queue():
    """SNS redrives the notifications it cannot deliver; no one else may write to the queue
    by its policy (the function's own on-failure destinations write as its role)."""
    [statement] = evaluate(
        DATA["Resources"]["FailedRecordsQueuePolicy"]["Properties"]["PolicyDocument"], VALUES
    )["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
        "Allow", {"Service": "sns.amazonaws.com"}, "sqs:SendMessage",
    )  # fmt: skip
    assert statement["Resource"] == VALUES["FailedRecordsQueue.Arn"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": VALUES["SesNotificationsTopic"]}}


CONFIG = EDGE["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
S3_ORIGINS = {o["Id"]: o for o in CONFIG["Origins"] if "S3OriginConfig" in o}
# A key under each path pattern the distribution sends to a bucket, and keys it must never read.
SAMPLE_KEYS = {"/static/*": "static/blog/site.3f2a1b.css", "/renditions/*": "renditions/2026/11/a/640.webp"}
NEVER_READ = {"media": ["uploads/2026/11/harbour.jpg", "uploads/a.heic"], "static": []}


def bucket_policy_for(origin):
    """The edge stack's policy on the bucket `origin` reads from, worked out for prod."""
    [output] = imported_outputs(origin["DomainName"])
    kind = output.removesuffix("BucketRegionalDomainName")
    [policy] = [
        r for r in EDGE["Resources"].values()
        if r["Type"] == "AWS::S3::BucketPolicy" and imported_outputs(r["Properties"]["Bucket"]) == {f"{kind}BucketName"}
    ]  # fmt: skip
    return kind, evaluate(policy["Properties"], VALUES)


@pytest.mark.parametrize("origin_id", sorted(S3_ORIGINS))
def test_a_bucket_is_read_only_by_this_distribution_and_only_where_it_routes(origin_id):
    """Each S3 origin signs its requests (origin access control) and its bucket's policy lets
    in CloudFront only for this distribution, only to read, and only the keys the distribution
    routes there: a path it does not route (originals under uploads/) stays unreadable."""
    origin = S3_ORIGINS[origin_id]
    kind, policy = bucket_policy_for(origin)
    bucket_arn = VALUES[f"{DATA_STACK}-{kind}BucketArn"]
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    access = EDGE["Resources"]["OriginAccessControl"]["Properties"]["OriginAccessControlConfig"]

    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    assert (access["OriginAccessControlOriginType"], access["SigningBehavior"]) == ("s3", "always")
    assert policy["Bucket"] == VALUES[f"{DATA_STACK}-{kind}BucketName"]
    granted = []
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert as_list(statement["Action"]) == ["s3:GetObject"]
        assert statement["Condition"] == {
            "StringEquals": {"AWS:SourceArn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/{DISTRIBUTION}"}
        }
        granted += as_list(statement["Resource"])
    routed = [b["PathPattern"] for b in CONFIG["CacheBehaviors"] if b["TargetOriginId"] == origin_id]
    assert routed, f"nothing is routed to {origin_id}"
    for pattern in routed:
        key = SAMPLE_KEYS[pattern]
        assert any(fnmatch.fnmatchcase(f"{bucket_arn}/{key}", g) for g in granted), (pattern, granted)
    for key in NEVER_READ[origin_id]:
        assert not any(fnmatch.fnmatchcase(f"{bucket_arn}/{key}", g) for g in granted), key


@pytest.mark.parametrize("origin_id", sorted(S3_ORIGINS))
def test_a_bucket_refuses_every_request_without_tls(origin_id):
    kind, policy = bucket_policy_for(S3_ORIGINS[origin_id])
    [deny] = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    bucket_arn = VALUES[f"{DATA_STACK}-{kind}BucketArn"]

    assert (deny["Principal"], deny["Action"]) == ("*", "s3:*")
    assert sorted(as_list(deny["Resource"])) == sorted([bucket_arn, f"{bucket_arn}/*"])
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
