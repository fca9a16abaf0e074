"""The function's role, read from the templates: exactly the actions the code and AWS acting
for it need (no wildcard, no `*` resource, nothing unused), each on this stage's resources."""

import json

from tests.infra.cfn import references
from tests.rehearsal.policy import (
    deployed_statements,
    granted_actions,
    iam_action,
    needed_actions,
)


def test_every_action_the_code_calls_is_granted():
    needed = needed_actions()
    granted = granted_actions(deployed_statements())
    assert sorted(set(needed) - granted) == []


def test_nothing_is_granted_that_nobody_uses():
    needed = needed_actions()
    granted = granted_actions(deployed_statements())
    assert sorted(granted - set(needed)) == []


def test_the_check_sees_the_calls_that_matter():
    """The scan finds the calls the flows rest on, so a grant removed from the templates (say
    DeleteItem, which a returning subscriber needs) is reported, not silently allowed."""
    needed = needed_actions()
    for action in ("dynamodb:DeleteItem", "dynamodb:PutItem", "ses:SendEmail", "s3:ListBucket",
                   "cloudfront:CreateInvalidation", "ssm:GetParametersByPath", "sqs:ReceiveMessage",
                   "rds-db:connect"):  # fmt: skip
        assert action in needed, action
    statements = [
        {**s, "Action": [a for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]) if a != "dynamodb:DeleteItem"]}
        for s in deployed_statements()
    ]  # fmt: skip
    assert "dynamodb:DeleteItem" in set(needed) - granted_actions(statements)


def test_no_wildcard_actions_and_no_star_resources():
    for statement in deployed_statements():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement["Sid"]
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        assert "*" not in resources, statement["Sid"]
        assert "NotAction" not in statement and "NotResource" not in statement


def test_every_resource_names_this_stages_own_things():
    """Each resource is built from the stack's own resources or from its project and stage
    (or the edge stack's distribution): never a literal name, another stage's or any."""
    own = {"ProjectName", "Stage", "Distribution", "FunctionLogGroup", "MediaBucket", "StaticBucket",
           "SubscribersTable", "SubscribersGlobalTable", "FailedRecordsQueue", "ConfigurationSet", "SenderDomain",
           "NewsletterQueue", "NewsletterClaimsTable", "Database", "AppUser"}  # fmt: skip
    for statement in deployed_statements():
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        for resource in resources:
            assert isinstance(resource, dict), (statement["Sid"], resource)
            assert references(resource) & own, (statement["Sid"], resource)
            assert "blog-" not in json.dumps(resource), (statement["Sid"], resource)


def test_s3_calls_map_to_their_iam_actions():
    assert iam_action("s3:HeadObject") == "s3:GetObject"
    assert iam_action("s3:ListObjectsV2") == "s3:ListBucket"
    assert iam_action("sesv2:SendEmail") == "ses:SendEmail"
    assert iam_action("dynamodbstreams:GetRecords") == "dynamodb:GetRecords"
    assert iam_action("sqs:SendMessageBatch") == "sqs:SendMessage"
