"""What the deployer's credentials must allow, from the sources themselves, for
tests/deploy/test_deployer_policy.py to hold infra/deployer.json to:

- CloudFormation acts with the caller's credentials: for each resource type of our templates
  (and of the API Gateway stack Zappa makes), the permissions its resource provider lists for
  create, read, update and delete (the registry schemas cfn-lint ships);
- the deploy's own calls (deploy/*.py, found in their syntax trees, as tests/rehearsal/policy.py
  finds the function's) and django-storages' for collectstatic;
- Zappa's calls for the commands the ops guide uses (listed below, from zappa/core.py);
- what CloudFormation reads for us (an SSM parameter-typed template parameter).

The rehearsal then runs `make deploy` as a user holding exactly this policy, with IAM enforced."""

import json
from pathlib import Path

import cfnlint.data
import cfnlint.data.schemas

from tests.rehearsal.policy import calls_in_code, iam_action

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "infra" / "deployer.json"
TEMPLATES = ("data", "database", "edge", "alarms", "certificate", "waf")
# Zappa's API Gateway stack (troposphere): a REST API, its proxy resource and methods.
ZAPPA_STACK_TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method")
SCHEMAS = Path(cfnlint.data.schemas.__file__).parent
DEPLOY_SERVICES = (
    "cloudformation",
    "ssm",
    "sesv2",
    "acm",
    "lambda",
    "s3",
    "dynamodb",
    "sqs",
    "rds",
    "secretsmanager",
)

# Services a resource provider may touch for features our templates do not use.
UNUSED_SERVICES = {
    "kms": "only AWS-managed keys (aws/rds, aws/secretsmanager, aws/ssm): their key policies let the account's principals use them through the service",
    "kinesis": "no Kinesis streaming destination on the table",
    "firehose": "no log delivery to Firehose",
    "application-autoscaling": "the table is on-demand: no auto scaling",
    "s3tables": "no S3 metadata tables",
    "acm-pca": "public certificates only, no private CA",
    "payments": "nothing of ours is billed through CloudFront's connected accounts",
}

ZAPPA_CALLS = {
    "iam:GetRole": "deploy/update: the role Zappa looks up by name (manage_roles false)",
    "iam:PassRole": "deploy/update: the function's role given to Lambda and API Gateway",
    "lambda:CreateFunction": "deploy",
    "lambda:GetFunction": "deploy/update/status/rollback",
    "lambda:GetFunctionConfiguration": "update (waits until the function is updated)",
    "lambda:GetAlias": "update: looks for its managed alias (none: no SnapStart, no provisioned concurrency)",
    "lambda:UpdateFunctionCode": "update/rollback",
    "lambda:UpdateFunctionConfiguration": "update",
    "lambda:ListVersionsByFunction": "deploy/update/rollback (num_retained_versions)",
    "lambda:DeleteFunction": "update (old versions past num_retained_versions), undeploy",
    "lambda:PublishVersion": "update",
    "lambda:InvokeFunction": "manage/invoke (migrations, replay_failed, the first editor)",
    "lambda:AddPermission": "deploy/update: schedules, S3 and API Gateway may invoke",
    "lambda:RemovePermission": "update/undeploy",
    "lambda:GetPolicy": "update/undeploy",
    "lambda:TagResource": "deploy/update (and the deploy's settings digest)",
    "lambda:ListTags": "the deploy reads its settings digest",
    "lambda:ListFunctionUrlConfigs": "update (the function has no URL)",
    "lambda:DeleteFunctionConcurrency": "update (no reserved concurrency)",
    "events:PutRule": "schedules",
    "events:PutTargets": "schedules",
    "events:DescribeRule": "schedules",
    "events:DeleteRule": "unschedule/undeploy",
    "events:RemoveTargets": "unschedule/undeploy",
    "events:ListRuleNamesByTarget": "unschedule/undeploy",
    "events:ListTargetsByRule": "unschedule/undeploy",
    "s3:PutBucketNotification": "the S3 trigger on the media bucket",
    "s3:GetBucketNotification": "the S3 trigger on the media bucket",
    "s3:PutObject": "its API Gateway template into the deployment bucket (and collectstatic)",
    "s3:DeleteObject": "its API Gateway template, once used",
    "s3:ListBucket": "head_bucket on the deployment bucket",
    "apigateway:GET": "deploy/update: the API's stages and resources",
    "apigateway:POST": "deploy/update: a deployment of the API",
    "apigateway:PATCH": "deploy/update: binary support, compression, the stage's settings",
    "apigateway:DELETE": "undeploy",
    "logs:FilterLogEvents": "tail",
    "logs:DescribeLogStreams": "tail",
    "cloudwatch:GetMetricStatistics": "status",
    "cloudformation:CreateStack": "deploy: its API Gateway stack",
    "cloudformation:UpdateStack": "update: its API Gateway stack",
    "cloudformation:ListStackResources": "deploy/update: waits for its API Gateway stack",
}

# The deploy's calls whose IAM action is not named after the operation.
DEPLOY_ACTIONS = {
    "s3:ListObjectVersions": "s3:ListBucketVersions",
    "s3:DeleteObjects": "s3:DeleteObject",
}
DEPLOY_EXTRA = {
    "s3:DeleteObjectVersion": "destroy --delete-data: deleting each version of a versioned bucket's objects",
}

CLOUDFORMATION_READS = {
    "ssm:GetParameters": "CloudFormation resolves edge.yaml's OriginVerifySecret (an SSM parameter type) as the caller",
    "route53:GetChange": "AWS::Route53::RecordSetGroup (a type without a resource provider) waits for its change",
    "route53:ListResourceRecordSets": "AWS::Route53::RecordSetGroup reads the zone",
    "route53:GetHostedZone": "AWS::Route53::RecordSetGroup reads the zone",
}

# django-storages, as collectstatic uses the static bucket (exists, save, modified time, manifest).
STORAGE_CALLS = {"s3:GetObject", "s3:PutObject", "s3:ListBucket"}


def resource_types():
    from tests.infra.cfn import load

    found = set(ZAPPA_STACK_TYPES)
    for name in TEMPLATES:
        found |= {r["Type"] for r in load(ROOT / "infra" / f"{name}.yaml")["Resources"].values()}
    return found


def provider_permissions(type_name):
    providers = json.loads((SCHEMAS / "providers" / "us-east-1.json").read_text())
    schema = json.loads((SCHEMAS / "resources" / f"{providers[type_name]}.json").read_text())
    handlers = schema.get("handlers", {})
    return {
        p for h in ("create", "read", "update", "delete") for p in handlers.get(h, {}).get("permissions", [])
    }


def iam_actions():
    """Every action IAM knows, lower-cased (cfn-lint's list): resource providers also list
    names IAM has never had (s3:DeleteBucketCors is s3:PutBucketCORS's work), which no policy
    can grant and none needs to."""
    services = json.loads(
        (Path(cfnlint.data.__file__).parent / "AdditionalSpecs" / "Policies.json").read_text()
    )
    return {f"{service}:{action}" for service, spec in services.items() for action in spec["Actions"]}


def needed_actions():
    """{action: why} for everything the deployer does or has done on its behalf."""
    needed = {}
    known = iam_actions()
    for type_name in sorted(resource_types()):
        for action in provider_permissions(type_name):
            if action.split(":")[0] in UNUSED_SERVICES:
                continue
            if "*" in action or action.lower() in known:
                needed.setdefault(action, f"CloudFormation: {type_name}")
    for call in calls_in_code(("deploy",), services=DEPLOY_SERVICES):
        action = DEPLOY_ACTIONS.get(call, iam_action(call))
        needed.setdefault(action, "deploy/*.py")
    for action, why in DEPLOY_EXTRA.items():
        needed.setdefault(action, why)
    needed.update({a: "collectstatic (django-storages)" for a in STORAGE_CALLS if a not in needed})
    for source in (ZAPPA_CALLS, CLOUDFORMATION_READS):
        needed.update({a: why for a, why in source.items() if a not in needed})
    # sts:GetCallerIdentity needs no permission.
    needed.pop("sts:GetCallerIdentity", None)
    return needed


def statements():
    """Every statement of the committed policies (parameters filled in)."""
    return [s for document in policy_documents() for s in document["Statement"]]


# Where each service's actions may act: the project's own names where the service has them
# (the project is "blog": stacks blog-<kind>-<stage>, the function and roles blog-<stage>...,
# buckets blog-<stage>-..., parameters /blog/<stage>/...); "*" where names are generated
# (distributions, VPCs, certificates, web ACLs) or the action takes no resource.
SCOPES = {
    "cloudformation": [
        "arn:aws:cloudformation:*:*:stack/blog-*/*",
        "arn:aws:cloudformation:*:*:changeSet/deploy-*/*",
    ],
    "iam": ["arn:aws:iam::*:role/blog-*"],
    "s3": ["arn:aws:s3:::blog-*", "arn:aws:s3:::blog-*/*"],
    "dynamodb": ["arn:aws:dynamodb:*:*:table/blog-*", "arn:aws:dynamodb:*:*:table/blog-*/*"],
    "sqs": ["arn:aws:sqs:*:*:blog-*"],
    "sns": ["arn:aws:sns:*:*:blog-*"],
    "ssm": ["arn:aws:ssm:*:*:parameter/blog/*"],
    "events": ["arn:aws:events:*:*:rule/blog-*"],
    "secretsmanager": ["arn:aws:secretsmanager:*:*:secret:rds!*"],
}
# Lambda: the function (and its versions); event source mappings and invoke configs have
# their own ARNs, made by CloudFormation, so those actions take any.
LAMBDA_FUNCTION = ["arn:aws:lambda:*:*:function:blog-*", "arn:aws:lambda:*:*:function:blog-*:*"]
LAMBDA_ANY = {"lambda:CreateEventSourceMapping", "lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping",
              "lambda:DeleteEventSourceMapping", "lambda:ListEventSourceMappings"}  # fmt: skip
# Actions that never take a resource ARN (lists and account-wide reads).
ANY_RESOURCE = {"iam:ListRoles", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy",
                "logs:DeleteResourcePolicy", "logs:CreateLogDelivery", "ses:GetAccount", "sns:ListSubscriptionsByTopic",
                "sqs:ListQueues", "s3:ListAllMyBuckets", "events:ListRuleNamesByTarget"}  # fmt: skip


def generated_policy():
    """The deployer's policy: every needed action, grouped by service, on its scope."""
    by_statement = {}
    for action in sorted(needed_actions()):
        service = action.split(":")[0]
        if action in ANY_RESOURCE:
            key = ("AccountWideReads", ("*",))
        elif service == "lambda":
            key = (
                ("LambdaTriggers", ("*",))
                if action in LAMBDA_ANY
                else ("LambdaFunction", tuple(LAMBDA_FUNCTION))
            )
        elif service == "logs":
            key = (
                "Logs",
                (
                    "arn:aws:logs:*:*:log-group:/aws/lambda/blog-*",
                    "arn:aws:logs:*:*:log-group:/aws/lambda/blog-*:*",
                ),
            )
        else:
            key = (service.title().replace("-", ""), tuple(SCOPES.get(service, ["*"])))
        by_statement.setdefault(key, []).append(action)
    statements = []
    for (sid, resources), actions in sorted(by_statement.items()):
        statement = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": list(resources)}
        if sid == "Iam":
            # PassRole only to the services that run as the function's role.
            statements.append(
                {**statement, "Action": [a for a in statement["Action"] if a != "iam:PassRole"]}
            )
            statement = {
                "Sid": "PassTheFunctionsRole", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": list(resources),
                "Condition": {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "apigateway.amazonaws.com"]}},
            }  # fmt: skip
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


# IAM takes at most 6,144 characters (whitespace aside) in one managed policy.
POLICY_LIMIT = 6144


def _substituted(resource):
    if resource == "*":
        return "*"
    return {
        "Fn::Sub": resource.replace("arn:aws:", "arn:${AWS::Partition}:").replace("blog", "${ProjectName}")
    }


def template():
    """infra/deployer.json: the deployer's policies as managed policies (split to fit IAM's
    size limit) on a group an administrator adds the deployer's user or role to."""
    chunks, size = [[]], 0
    for statement in generated_policy()["Statement"]:
        length = len(json.dumps(statement, separators=(",", ":")))
        if size + length > POLICY_LIMIT - 600:  # room for ${ProjectName} and the partition
            chunks.append([])
            size = 0
        chunks[-1].append(statement)
        size += length
    resources = {
        "Deployers": {
            "Type": "AWS::IAM::Group",
            "Properties": {"GroupName": {"Fn::Sub": "${ProjectName}-deployers"}},
        }
    }
    for number, chunk in enumerate(chunks, 1):
        resources[f"DeployerPolicy{number}"] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": {"Fn::Sub": f"${{ProjectName}}-deployer-{number}"},
                "Description": {
                    "Fn::Sub": f"make deploy/destroy for ${{ProjectName}} ({number} of {len(chunks)})"
                },
                "Groups": [{"Ref": "Deployers"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{**s, "Resource": [_substituted(r) for r in s["Resource"]]} for s in chunk],
                },
            },
        }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "What `make deploy` and `make destroy` (and the zappa commands of the ops guide) may do, as "
            "managed policies on a group: add the deployer's IAM user or role to the group. Deployed once "
            "per account by an administrator. Generated by `python -m tests.deploy.deployer` from the "
            "templates' resource providers, the deploy's code and Zappa's calls; "
            "tests/deploy/test_deployer_policy.py holds it to them."
        ),
        "Parameters": {
            "ProjectName": {"Type": "String", "Default": "blog", "AllowedPattern": "^[a-z][a-z0-9-]{0,15}$"}
        },
        "Resources": resources,
        "Outputs": {"DeployersGroup": {"Value": {"Ref": "Deployers"}}},
    }


def policy_documents(project="blog", partition="aws"):
    """The template's policy documents with its parameters filled in."""
    found = []
    for resource in json.loads(POLICY.read_text())["Resources"].values():
        if resource["Type"] != "AWS::IAM::ManagedPolicy":
            continue
        text = json.dumps(resource["Properties"]["PolicyDocument"])
        text = text.replace("${ProjectName}", project).replace("${AWS::Partition}", partition)
        document = json.loads(text)
        for statement in document["Statement"]:
            statement["Resource"] = [
                r["Fn::Sub"] if isinstance(r, dict) else r for r in statement["Resource"]
            ]
        found.append(document)
    return found


if __name__ == "__main__":
    # python -m tests.deploy.deployer: write infra/deployer.json again after a change.
    POLICY.write_text(json.dumps(template(), indent=2) + "\n")
