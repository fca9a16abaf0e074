"""infra/edge.yaml in moto's CloudFormation: the stream trigger and the SNS invoke permission,
made against the data stack's exports and the function Zappa made.

moto cannot create the whole edge template: it skips CloudFront, SNS subscriptions and bucket
policies, and an output naming the skipped distribution fails the stack. So the stack is made
from the real template reduced to the resources moto supports (`moto_subset`, which refuses
to keep a resource that names a dropped one), and the trigger's settings are read back from
the mapping moto made. The CloudFront part is checked on the template in test_cdn.py.
"""

import json

import boto3

from tests.infra.cfn import (
    DATA_STACK,
    EDGE_TEMPLATE,
    FUNCTION,
    create_stack,
    load,
    moto_skips_unknown_types,
    moto_subset,
)

pytestmark = moto_skips_unknown_types

EDGE = load(EDGE_TEMPLATE)


def make_edge_stack():
    # The origin secret is in SSM before the stack is made (CloudFormation reads it).
    boto3.client("ssm").put_parameter(Name="/blog/prod/origin-verify", Value="s3cr3t-origin", Type="String")
    return create_stack(
        boto3.client("cloudformation"),
        "blog-edge-prod",
        json.dumps(moto_subset(EDGE, made={"Distribution": "E2EXAMPLE0DIST"})),
        DataStackName=DATA_STACK,
        FunctionName=FUNCTION,
        ApiDomainName="abc123.execute-api.eu-west-1.amazonaws.com",
        ApiStagePath="/prod",
        OriginVerifySecret="/blog/prod/origin-verify",
    )


def the_mapping(source_arn):
    """The function's one event source mapping reading `source_arn`, as Lambda describes it."""
    mappings = boto3.client("lambda").list_event_source_mappings(FunctionName=FUNCTION)
    [mapping] = [m for m in mappings["EventSourceMappings"] if m["EventSourceArn"] == source_arn]
    return mapping


def test_moto_makes_the_trigger_and_the_permission_from_the_real_template():
    subset = moto_subset(EDGE, made={"Distribution": "E2EXAMPLE0DIST"})

    assert subset["Resources"]["StreamTrigger"] == EDGE["Resources"]["StreamTrigger"]
    assert {"StreamTrigger", "SesNotificationsInvokePermission"} <= set(subset["Resources"])


def test_stream_trigger_reports_item_failures_bisects_and_gives_up_into_the_queue(data_stack, zappa_function):
    """The mapping Zappa cannot make: a starting position, per-record failures, bisect on error,
    a bounded retry count and record age, and the failed-records queue as on-failure destination."""
    outputs = make_edge_stack()

    mapping = the_mapping(data_stack["SubscribersTableStreamArn"])

    assert mapping["UUID"] == outputs["StreamTriggerId"]
    assert mapping["FunctionArn"] == zappa_function
    assert mapping["EventSourceArn"] == data_stack["SubscribersTableStreamArn"]
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == 5
    assert mapping["MaximumRecordAgeInSeconds"] == 3600
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": data_stack["FailedRecordsQueueArn"]}}
    assert mapping["BatchSize"] == 10
    assert mapping["MaximumBatchingWindowInSeconds"] == 1
    assert mapping["State"] == "Enabled"


def test_stream_trigger_passes_inserts_only(data_stack, zappa_function):
    """Only an INSERT can ask for a welcome: the handler's own updates (MODIFY) and TTL
    expiries (REMOVE) never invoke the function."""
    make_edge_stack()

    mapping = the_mapping(data_stack["SubscribersTableStreamArn"])

    [only] = mapping["FilterCriteria"]["Filters"]
    assert json.loads(only["Pattern"]) == {"eventName": ["INSERT"]}


def test_sns_may_invoke_the_function_only_for_the_ses_topic(data_stack, zappa_function):
    make_edge_stack()

    policy = json.loads(boto3.client("lambda").get_policy(FunctionName=FUNCTION)["Policy"])

    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == data_stack["SesNotificationsTopicArn"]
    assert statement["Condition"]["StringEquals"]["AWS:SourceAccount"] == "123456789012"


def test_ses_topic_subscription_delivers_to_the_function_and_redrives_to_the_queue():
    """Declared in the template (moto's CloudFormation makes no SNS subscriptions)."""
    subscription = EDGE["Resources"]["SesNotificationsSubscription"]
    properties = subscription["Properties"]

    assert properties["Protocol"] == "lambda"
    assert properties["Endpoint"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}"
    }
    assert properties["TopicArn"] == {
        "Fn::ImportValue": {"Fn::Sub": "${DataStackName}-SesNotificationsTopicArn"}
    }
    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::ImportValue": {"Fn::Sub": "${DataStackName}-FailedRecordsQueueArn"}}
    }
    assert subscription["DependsOn"] == "SesNotificationsInvokePermission"
