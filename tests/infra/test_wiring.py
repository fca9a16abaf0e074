"""How the stacks fit together and with what Zappa makes: every import is an export of the data
stack, every value one stack hands another fits the parameter that takes it, and the pieces
that must name the same thing (a topic, a queue, a function) do. The stacks that moto's
CloudFormation can make are made in moto, so an import that does not resolve fails there."""

import json
import re

import boto3
import pytest

from tests.infra.cfn import (
    ACCOUNT,
    DATA_STACK,
    DATA_TEMPLATE,
    FUNCTION,
    REGION,
    create_stack,
    decide_conditions,
    evaluate,
    imported_outputs,
    loaded,
    moto_skips_unknown_types,
    moto_subset,
    zappa_stages,
)

pytestmark = moto_skips_unknown_types
LOADED = loaded()
DATA, EDGE, ALARMS, WAF = (LOADED[name] for name in ("data", "edge", "alarms", "waf"))
ZAPPA = zappa_stages()


def exported(template):
    """{output: export name} of a template's outputs."""
    return {
        key: output["Export"]["Name"] for key, output in template["Outputs"].items() if "Export" in output
    }


@pytest.mark.parametrize("name", ["edge", "alarms"])
def test_every_import_is_an_export_of_the_data_stack(name):
    """A stack deployed after the data stack imports `${DataStackName}-<Output>`: each such
    output exists and is exported under exactly that name (CloudFormation refuses the stack
    otherwise, at deploy time)."""
    imports = imported_outputs(LOADED[name]["Resources"]) | imported_outputs(LOADED[name].get("Outputs", {}))
    exports = exported(DATA)

    assert imports, "the stack takes nothing from the data stack?"
    assert sorted(imports - set(exports)) == []
    for output in imports:
        assert exports[output] == {"Fn::Sub": f"${{AWS::StackName}}-{output}"}, output
    assert LOADED[name]["Parameters"]["DataStackName"]["Type"] == "String"


def test_every_output_of_the_data_stack_is_exported_and_resolves_in_moto(data_stack):
    """What moto could make resolves; the configuration set (SES, not made by moto) aside."""
    listed = {e["Name"]: e.get("Value") for e in boto3.client("cloudformation").list_exports()["Exports"]}

    assert set(exported(DATA)) == set(DATA["Outputs"])
    assert set(data_stack) == set(DATA["Outputs"]) - {"SesConfigurationSetName"}
    for key, value in data_stack.items():
        assert listed[f"{DATA_STACK}-{key}"] == value


@pytest.mark.parametrize("stage", sorted(ZAPPA))
def test_the_data_stack_names_the_role_and_log_group_zappa_uses(aws, stage):
    """Zappa (`manage_roles: false`) runs the function `<project_name>-<stage>` under the
    role `<function>-ZappaLambdaExecutionRole`, and Lambda writes to `/aws/lambda/<function>`:
    the data stack made with the same project and stage makes exactly those."""
    project = ZAPPA[stage]["project_name"]
    function = f"{project}-{stage}"
    outputs = create_stack(
        boto3.client("cloudformation"),
        f"{project}-data-{stage}",
        DATA_TEMPLATE.read_text(),
        ProjectName=project,
        Stage=stage,
        SenderDomain="blog.example.com",
        SiteOrigins="https://blog.example.com",
    )

    assert outputs["FunctionRoleName"] == f"{function}-ZappaLambdaExecutionRole"
    role = boto3.client("iam").get_role(RoleName=outputs["FunctionRoleName"])["Role"]
    assert role["Arn"] == outputs["FunctionRoleArn"]
    assert outputs["FunctionLogGroupName"] == f"/aws/lambda/{function}"
    [group] = boto3.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{function}")[
        "logGroups"
    ]
    assert group["logGroupName"] == outputs["FunctionLogGroupName"]


def make_edge_stack(function=FUNCTION):
    boto3.client("ssm").put_parameter(Name="/blog/prod/origin-verify", Value="s3cr3t-origin", Type="String")
    return create_stack(
        boto3.client("cloudformation"),
        "blog-edge-prod",
        json.dumps(moto_subset(EDGE, made={"Distribution": "E2EXAMPLE0DIST"})),
        DataStackName=DATA_STACK,
        FunctionName=function,
        ApiDomainName="abc123.execute-api.eu-west-1.amazonaws.com",
        ApiStagePath="/prod",
        OriginVerifySecret="/blog/prod/origin-verify",
    )


def test_the_edge_stack_attaches_to_the_data_stacks_stream_and_queue_and_zappas_function(
    data_stack, zappa_function
):
    """Made in moto from the real template against the data stack's exports: the trigger
    reads the data stack's stream into the function Zappa made, and gives up into the data
    stack's queue; the newsletter's trigger reads the data stack's newsletter queue into the
    same function; SNS may invoke that same function for the data stack's topic."""
    outputs = make_edge_stack()
    lambda_ = boto3.client("lambda")
    mappings = {
        m["EventSourceArn"]: m
        for m in lambda_.list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"]
    }
    mapping = mappings.pop(data_stack["SubscribersTableStreamArn"])
    [newsletter] = mappings.values()
    assert newsletter["EventSourceArn"].endswith(":blog-prod-newsletter")
    assert newsletter["FunctionArn"] == zappa_function
    [permission] = json.loads(lambda_.get_policy(FunctionName=FUNCTION)["Policy"])["Statement"]

    assert mapping["UUID"] == outputs["StreamTriggerId"]
    assert (mapping["EventSourceArn"], mapping["FunctionArn"]) == (
        data_stack["SubscribersTableStreamArn"],
        zappa_function,
    )
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": data_stack["FailedRecordsQueueArn"]}}
    assert permission["Condition"]["ArnLike"]["AWS:SourceArn"] == data_stack["SesNotificationsTopicArn"]


def test_what_moto_cannot_make_names_the_same_topic_queue_and_function():
    """The SNS subscription, the asynchronous invocations' destination and the permission
    (moto makes none of the first two): the topic the function is subscribed to is the one it
    may be invoked by, undeliverable notifications and failed events go to the one queue, and
    every piece names the one function."""
    resources = EDGE["Resources"]
    subscription = resources["SesNotificationsSubscription"]["Properties"]
    permission = resources["SesNotificationsInvokePermission"]["Properties"]
    values = {
        "AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "FunctionName": FUNCTION,
        "DataStackName": DATA_STACK, **{f"{DATA_STACK}-{key}": key for key in DATA["Outputs"]},
    }  # fmt: skip

    assert evaluate(subscription["TopicArn"], values) == evaluate(permission["SourceArn"], values)
    assert evaluate(subscription["TopicArn"], values) == "SesNotificationsTopicArn"
    assert (
        evaluate(subscription["Endpoint"], values) == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
    )
    assert evaluate(permission["FunctionName"], values) == FUNCTION
    for destination in (
        subscription["RedrivePolicy"]["deadLetterTargetArn"],
        resources["AsyncInvocations"]["Properties"]["DestinationConfig"]["OnFailure"]["Destination"],
        resources["StreamTrigger"]["Properties"]["DestinationConfig"]["OnFailure"]["Destination"],
    ):
        assert evaluate(destination, values) == "FailedRecordsQueueArn"
    assert evaluate(resources["AsyncInvocations"]["Properties"]["FunctionName"], values) == FUNCTION
    # The subscription is made once the function may be invoked, or SNS's first deliveries fail.
    assert resources["SesNotificationsSubscription"]["DependsOn"] == "SesNotificationsInvokePermission"


def test_the_queue_takes_redrives_from_the_topic_the_function_is_subscribed_to():
    """The queue's policy trusts the topic whose subscription redrives into it."""
    [statement] = DATA["Resources"]["FailedRecordsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    trusted = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    subscription = EDGE["Resources"]["SesNotificationsSubscription"]["Properties"]

    assert trusted == {"Ref": "SesNotificationsTopic"}
    assert DATA["Outputs"]["SesNotificationsTopicArn"]["Value"] == trusted
    assert imported_outputs(subscription["TopicArn"]) == {"SesNotificationsTopicArn"}
    assert imported_outputs(subscription["RedrivePolicy"]) == {"FailedRecordsQueueArn"}
    assert DATA["Outputs"]["FailedRecordsQueueArn"]["Value"] == {"Fn::GetAtt": ["FailedRecordsQueue", "Arn"]}


def test_the_failed_records_alarm_watches_the_data_stacks_queue(data_stack):
    """moto's CloudFormation makes no alarms: the dimension is worked out here from the queue
    ARN the data stack really exports, and names the queue it made."""
    [dimension] = ALARMS["Resources"]["FailedRecordsAlarm"]["Properties"]["Dimensions"]
    values = {"DataStackName": DATA_STACK, **{f"{DATA_STACK}-{k}": v for k, v in data_stack.items()}}

    name = evaluate(dimension["Value"], values)

    assert (
        boto3.client("sqs").get_queue_url(QueueName=name)["QueueUrl"] == data_stack["FailedRecordsQueueUrl"]
    )


@pytest.mark.parametrize("name", ["edge", "alarms"])
def test_the_function_name_parameter_takes_what_zappa_names_each_stage(name):
    pattern = LOADED[name]["Parameters"]["FunctionName"]["AllowedPattern"]
    for stage, config in ZAPPA.items():
        project = config["project_name"]
        assert re.fullmatch(pattern, f"{project}-{stage}"), stage


@pytest.mark.parametrize("name", ["edge", "alarms"])
def test_the_data_stack_name_parameter_takes_the_documented_names(name):
    pattern = LOADED[name]["Parameters"]["DataStackName"]["AllowedPattern"]
    for stage in ZAPPA:
        assert re.fullmatch(pattern, f"blog-data-{stage}"), stage


def test_the_edge_stack_takes_the_waf_stacks_web_acl():
    """waf.yaml's output (GetAtt Arn of a CLOUDFRONT web ACL, made in us-east-1) fits edge.yaml's
    WebAclArn parameter, and an empty value leaves the distribution without one."""
    pattern = EDGE["Parameters"]["WebAclArn"]["AllowedPattern"]
    name = evaluate(WAF["Resources"]["WebAcl"]["Properties"]["Name"], {"NamePrefix": "blog-prod"})
    arn = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/{name}/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"

    assert WAF["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    assert re.fullmatch(pattern, arn)
    assert not re.fullmatch(pattern, arn.replace("us-east-1", "eu-west-1").replace("global", "regional"))
    config = EDGE["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    for value in (arn, ""):
        values = _anything(WebAclArn=value)
        assert evaluate(config, values, decide_conditions(EDGE, values)).get("WebACLId") == (value or None)


class _Anything(dict):
    def __missing__(self, key):
        return f"<{key}>"


def _anything(**values):
    """Values for every name a template refers to; those that matter are given."""
    return _Anything(values)


def test_the_api_origin_takes_the_domain_zappas_api_answers_on():
    """API Gateway's domain for the region Zappa deploys to fits ApiDomainName, and each
    stage's path fits ApiStagePath."""
    domain, path = EDGE["Parameters"]["ApiDomainName"], EDGE["Parameters"]["ApiStagePath"]
    for stage, config in ZAPPA.items():
        region = config["aws_region"]
        assert re.fullmatch(domain["AllowedPattern"], f"a1b2c3d4e5.execute-api.{region}.amazonaws.com"), stage
        assert re.fullmatch(path["AllowedPattern"], f"/{stage}"), stage
