"""The newsletter's resources (issue 13): the queue with its bounded retries into the
failed-records queue, the claims table, the role's grants for them, and the edge stack's
trigger, made by moto's CloudFormation from the real templates where it can, and read from
the templates where it cannot."""

import json

import boto3
from django.conf import settings

from tests.infra.cfn import DATA_TEMPLATE, EDGE_TEMPLATE, load, moto_skips_unknown_types
from tests.infra.test_wiring import make_edge_stack

pytestmark = moto_skips_unknown_types
DATA = load(DATA_TEMPLATE)["Resources"]
EDGE = load(EDGE_TEMPLATE)


def test_the_queue_retries_a_bounded_number_of_times_into_the_failed_records_queue(data_stack):
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=data_stack["NewsletterQueueUrl"], AttributeNames=["All"]
    )["Attributes"]

    assert data_stack["NewsletterQueueUrl"].endswith("/blog-prod-newsletter")
    assert attributes["QueueArn"] == data_stack["NewsletterQueueArn"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == data_stack["FailedRecordsQueueArn"]
    # The handler counts a record failed on its last receive: the two must agree.
    assert int(redrive["maxReceiveCount"]) == settings.NEWSLETTER_MAX_RECEIVES
    # At least six times the function's 60 s timeout, as Lambda asks of an SQS trigger.
    assert int(attributes["VisibilityTimeout"]) >= 6 * 60
    # The claim lease is shorter, so a record retried after a crash can take its claim over.
    assert int(attributes["VisibilityTimeout"]) > settings.NEWSLETTER_CLAIM_SECONDS
    assert attributes["SqsManagedSseEnabled"] == "true"
    # A message moved to the failed-records queue keeps its first send time: it must outlive it.
    failed = boto3.client("sqs").get_queue_attributes(
        QueueUrl=data_stack["FailedRecordsQueueUrl"], AttributeNames=["MessageRetentionPeriod"]
    )["Attributes"]
    assert int(attributes["MessageRetentionPeriod"]) < int(failed["MessageRetentionPeriod"])


def test_the_claims_table_is_keyed_by_pk_and_expires_its_items(data_stack):
    table = boto3.client("dynamodb").describe_table(TableName=data_stack["NewsletterClaimsTableName"])[
        "Table"
    ]

    assert data_stack["NewsletterClaimsTableName"] == "blog-prod-newsletter-claims"
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert DATA["NewsletterClaimsTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }


def test_the_role_gets_the_newsletter_grants_on_these_resources_only():
    policy = DATA["NewsletterPolicy"]
    assert policy["Type"] == "AWS::IAM::Policy"
    assert policy["Properties"]["Roles"] == [{"Ref": "FunctionRole"}]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["NewsletterQueue"]["Resource"] == {"Fn::GetAtt": ["NewsletterQueue", "Arn"]}
    assert statements["NewsletterClaims"]["Resource"] == {"Fn::GetAtt": ["NewsletterClaimsTable", "Arn"]}


def test_the_trigger_feeds_the_function_ten_at_a_time_with_partial_batch_responses(
    data_stack, zappa_function
):
    outputs = make_edge_stack()

    [mapping] = [
        m
        for m in boto3.client("lambda").list_event_source_mappings(FunctionName="blog-prod")[
            "EventSourceMappings"
        ]
        if m["EventSourceArn"] == data_stack["NewsletterQueueArn"]
    ]

    assert mapping["UUID"] == outputs["NewsletterTriggerId"]
    assert mapping["FunctionArn"] == zappa_function
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["State"] == "Enabled"
    assert outputs["NewsletterConcurrency"] == "2"


def test_the_trigger_bounds_its_concurrency_by_the_parameter():
    """moto does not keep ScalingConfig: read from the template."""
    trigger = EDGE["Resources"]["NewsletterTrigger"]["Properties"]
    assert trigger["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "NewsletterConcurrency"}}
    parameter = EDGE["Parameters"]["NewsletterConcurrency"]
    assert parameter["MinValue"] == 2 and parameter["Default"] == settings.NEWSLETTER_CONCURRENCY
