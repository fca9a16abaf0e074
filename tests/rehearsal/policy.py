"""The function's policy as the templates deploy it, and the AWS actions the code needs: a
static cross-check that complements the rehearsal (which proves the resources, but only for
the paths it drives).

The actions come from three places:
- our code: every call of a boto3 operation (`client.get_item(...)`, `get_paginator("scan")`)
  in the packages that run on Lambda, found in their syntax trees;
- django-storages, for the media and static storages: what Django's Storage API calls;
- AWS itself, acting with the function's role: Lambda writing logs and sending to on-failure
  destinations, the stream trigger's and the newsletter queue's pollers, API Gateway invoking
  the function.
- tokens the code signs itself: an RDS IAM token is checked against rds-db:connect."""

import ast
from pathlib import Path

import botocore.session
from botocore import xform_name

from tests.infra.cfn import DATA_TEMPLATE, DATABASE_TEMPLATE, EDGE_TEMPLATE, load

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("blog", "common", "dispatch", "newsletter", "thumbnails", "welcome")
SERVICES = ("s3", "dynamodb", "dynamodbstreams", "sesv2", "sqs", "ssm", "cloudfront")

# IAM names that differ from "<service prefix>:<Operation>".
IAM_PREFIX = {"dynamodbstreams": "dynamodb", "sesv2": "ses"}
IAM_ACTION = {
    "s3:HeadObject": "s3:GetObject",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:DeleteObjects": "s3:DeleteObject",
    "sqs:SendMessageBatch": "sqs:SendMessage",
}

# Client methods that sign locally instead of calling an operation, and the IAM action the
# signature is checked against when it is used.
PRESIGNERS = {"generate_db_auth_token": "rds-db:connect"}
# botocore's signer used directly, by the service name it signs for (common/rds_iam signs RDS
# tokens so, without an RDS client).
SIGNED_FOR = {"rds-db": "rds-db:connect"}

# django-storages' S3 storage, as the app uses it (save with unique names, open, delete, url).
STORAGE_CALLS = {"s3:HeadObject", "s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListObjectsV2"}

# What AWS does with the function's role, and why.
ON_ITS_BEHALF = {
    "logs:CreateLogStream": "Lambda writes the function's log",
    "logs:PutLogEvents": "Lambda writes the function's log",
    "lambda:InvokeFunction": "API Gateway invokes the function with the role (Zappa's integration)",
    "dynamodb:DescribeStream": "the stream trigger's poller",
    "dynamodb:GetShardIterator": "the stream trigger's poller",
    "dynamodb:GetRecords": "the stream trigger's poller",
    "dynamodb:ListStreams": "the stream trigger's poller",
    "sqs:SendMessage": "Lambda's on-failure destinations",
    "sqs:ReceiveMessage": "the newsletter queue's poller (its event source mapping)",
    "sqs:DeleteMessage": "the newsletter queue's poller (its event source mapping)",
    "sqs:GetQueueAttributes": "the newsletter queue's poller (its event source mapping)",
    "ssm:GetParameter": "the Parameters and Secrets extension, reading each secret by name",
}


def operations(services=SERVICES):
    """{snake_case operation name: "<service>:<Operation>"} for the services the code uses;
    a name two services share maps to both."""
    session = botocore.session.get_session()
    found = {name: {action} for name, action in PRESIGNERS.items()}
    for service in services:
        for name in session.get_service_model(service).operation_names:
            found.setdefault(xform_name(name), set()).add(f"{service}:{name}")
    return found


def calls_in_code(packages=PACKAGES, services=SERVICES):
    """{"<service>:<Operation>"} called anywhere in `packages` (not their tests)."""
    known = operations(services)
    found = set()
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) == "SigV4QueryAuth"
                    and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant)
                ):
                    found |= {SIGNED_FOR[node.args[1].value]}
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                name = node.func.attr
                if (
                    name in ("get_paginator", "get_waiter")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    name = node.args[0].value
                found |= known.get(name, set())
    return found


def iam_action(call):
    service, operation = call.split(":")
    action = f"{IAM_PREFIX.get(service, service)}:{operation}"
    return IAM_ACTION.get(action, action)


def needed_actions(code_calls=None):
    """{IAM action: why}, everything the function's role must allow."""
    needed = {iam_action(c): "our code" for c in (code_calls if code_calls is not None else calls_in_code())}
    needed |= {iam_action(c): "django-storages" for c in STORAGE_CALLS if iam_action(c) not in needed}
    return {**ON_ITS_BEHALF, **needed}


def deployed_statements():
    """Every statement of the role's policies, as the templates write them: the role's own,
    and each AWS::IAM::Policy attached to it (the data stack's newsletter grants, the edge
    stack's invalidation, the database stack's connect grant)."""
    role = load(DATA_TEMPLATE)["Resources"]["FunctionRole"]["Properties"]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    for template in (DATA_TEMPLATE, EDGE_TEMPLATE, DATABASE_TEMPLATE):
        for resource in load(template)["Resources"].values():
            if resource["Type"] == "AWS::IAM::Policy":
                statements += resource["Properties"]["PolicyDocument"]["Statement"]
    return statements


def granted_actions(statements):
    actions = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        listed = statement["Action"]
        actions |= set(listed if isinstance(listed, list) else [listed])
    return actions
