"""infra/deployer.json, the deployer's policies (README, "Prerequisites"), held to what the
deploy needs (tests/deploy/deployer.py): every action granted, nothing granted that nothing
needs, each policy within IAM's size limit, the project's own resources where names are
known. The rehearsal runs `make deploy` as a user holding exactly these policies."""

import fnmatch
import json

from tests.deploy.deployer import POLICY, POLICY_LIMIT, needed_actions, statements, template


def allowed(action, granted):
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in granted)


def granted_actions():
    return {a for s in statements() for a in s["Action"]}


def test_every_action_the_deploy_needs_is_granted():
    granted = granted_actions()
    missing = {a: why for a, why in needed_actions().items() if not allowed(a, granted)}
    assert missing == {}, "run `python -m tests.deploy.deployer` to write infra/deployer.json again"


def test_nothing_is_granted_that_nothing_needs():
    needed = set(needed_actions())
    assert sorted(granted_actions() - needed) == []


def test_the_committed_policy_is_the_generated_one():
    """A change of template, deploy code or Zappa call list shows here first."""
    assert json.loads(POLICY.read_text()) == template(), "run `python -m tests.deploy.deployer`"


def test_each_managed_policy_fits_iam():
    for resource in json.loads(POLICY.read_text())["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            document = json.dumps(resource["Properties"]["PolicyDocument"], separators=(",", ":"))
            assert len(document) <= POLICY_LIMIT


def test_roles_are_the_projects_only_and_passed_only_to_lambda_and_api_gateway():
    """The deployer can make and change roles named for the project and no others, and hand
    them only to the services that run as the function's role."""
    for statement in statements():
        iam = [a for a in statement["Action"] if a.startswith("iam:")]
        if iam and iam != ["iam:ListRoles"]:
            assert statement["Resource"] == ["arn:aws:iam::*:role/blog-*"], statement["Sid"]
        if "iam:PassRole" in iam:
            assert iam == ["iam:PassRole"]
            assert statement["Condition"] == {
                "StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "apigateway.amazonaws.com"]}
            }


def test_data_services_are_scoped_to_the_projects_names():
    scoped = {"s3": "arn:aws:s3:::blog-", "dynamodb": "table/blog-", "sqs": ":blog-", "sns": ":blog-",
              "ssm": "parameter/blog/", "cloudformation": "stack/blog-"}  # fmt: skip
    for statement in statements():
        services = {a.split(":")[0] for a in statement["Action"]}
        for service, fragment in scoped.items():
            if services == {service}:
                assert any(fragment in r for r in statement["Resource"]), statement["Sid"]
                assert "*" not in statement["Resource"], statement["Sid"]


def test_the_check_sees_what_matters():
    """The sources are read, not copied: the stacks' resource providers, the deploy's code and
    Zappa's calls each bring actions only they need."""
    needed = needed_actions()
    assert needed["rds:CreateDBInstance"].startswith("CloudFormation: AWS::RDS::DBInstance")
    assert needed["cloudfront:CreateDistribution"].startswith("CloudFormation")
    assert needed["ssm:PutParameter"] == "deploy/*.py"
    assert needed["secretsmanager:GetSecretValue"] == "deploy/*.py"
    assert needed["lambda:CreateFunction"].startswith("deploy")
    assert "ssm:GetParameters" in needed
