"""What is kept, and for how long: data outlives its stack (deleting the data stack in moto
leaves the buckets, the table and the queue with what they hold), the table cannot be deleted
by mistake and can be rolled back, failed work waits in the queue as long as SQS allows and
reaches it before the stream forgets it, logs expire, and old versions of originals go fast."""

import json

import boto3
import pytest

from tests.infra.cfn import (
    DATA_STACK,
    TEMPLATES,
    decide_conditions,
    evaluate,
    loaded,
    moto_skips_unknown_types,
)

pytestmark = moto_skips_unknown_types
LOADED = loaded()
DATA, EDGE, ALARMS = LOADED["data"], LOADED["edge"], LOADED["alarms"]
# Resource types that hold what cannot be made again.
HOLDS_DATA = {"AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::SQS::Queue"}
STREAM_RETENTION_SECONDS = 24 * 3600  # DynamoDB Streams keeps a record for 24 hours
SQS_MAX_RETENTION_SECONDS = 14 * 24 * 3600
LAMBDA_MAX_EVENT_AGE_SECONDS = 6 * 3600


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_everything_that_holds_data_is_kept_when_its_stack_is_deleted_or_replaced(name):
    held = {n: r for n, r in LOADED[name]["Resources"].items() if r["Type"] in HOLDS_DATA}
    assert bool(held) is (name == "data")
    for resource_name, resource in held.items():
        assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == (
            "Retain",
            "Retain",
        ), resource_name


def test_deleting_the_data_stack_leaves_the_data(data_stack):
    """Made and deleted in moto's CloudFormation, which honours DeletionPolicy: an upload, a
    subscriber and a failed record are all still there afterwards; the logs (operational,
    30 days anyway) and the topic go with the stack."""
    s3, dynamodb, sqs = boto3.client("s3"), boto3.client("dynamodb"), boto3.client("sqs")
    s3.put_object(Bucket=data_stack["MediaBucketName"], Key="uploads/2026/11/a.jpg", Body=b"jpeg")
    s3.put_object(Bucket=data_stack["StaticBucketName"], Key="static/staticfiles.json", Body=b"{}")
    dynamodb.put_item(TableName=data_stack["SubscribersTableName"], Item={"email": {"S": "jane@example.com"}})
    sqs.send_message(QueueUrl=data_stack["FailedRecordsQueueUrl"], MessageBody='{"Records": []}')

    boto3.client("cloudformation").delete_stack(StackName=DATA_STACK)

    assert (
        s3.get_object(Bucket=data_stack["MediaBucketName"], Key="uploads/2026/11/a.jpg")["Body"].read()
        == b"jpeg"
    )
    assert s3.head_object(Bucket=data_stack["StaticBucketName"], Key="static/staticfiles.json")
    item = dynamodb.get_item(
        TableName=data_stack["SubscribersTableName"], Key={"email": {"S": "jane@example.com"}}
    )
    assert item["Item"]["email"] == {"S": "jane@example.com"}
    [message] = sqs.receive_message(QueueUrl=data_stack["FailedRecordsQueueUrl"])["Messages"]
    assert json.loads(message["Body"]) == {"Records": []}
    assert boto3.client("sns").list_topics()["Topics"] == []
    assert boto3.client("logs").describe_log_groups()["logGroups"] == []


@pytest.mark.parametrize("replicas", ["", "eu-central-1", "eu-central-1,us-east-1"])
def test_every_copy_of_the_table_is_protected_from_deletion_and_can_be_rolled_back(replicas):
    """Whichever table the parameters make (a plain table, or a global table with one or two
    replicas): deletion protection and point-in-time recovery on every copy."""
    values = {"ReplicaRegions": replicas, "AWS::Region": "eu-west-1", "ProjectName": "blog", "Stage": "prod"}
    conditions = decide_conditions(DATA, values)
    made = [
        r
        for r in DATA["Resources"].values()
        if r["Type"].startswith("AWS::DynamoDB::") and "Condition" in r and conditions[r["Condition"]]
    ]
    [table] = made
    properties = evaluate(table["Properties"], values, conditions)
    copies = properties.get("Replicas", [properties])

    assert len(copies) == 1 + len([r for r in replicas.split(",") if r])
    for copy in copies:
        assert copy["DeletionProtectionEnabled"] is True
        assert copy["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_moto_makes_the_table_protected_from_deletion(data_stack):
    table = boto3.client("dynamodb").describe_table(TableName=data_stack["SubscribersTableName"])["Table"]
    assert table["DeletionProtectionEnabled"] is True


def test_failed_records_wait_as_long_as_sqs_keeps_anything(data_stack):
    """Work that failed for good is the evidence ops replay from: kept the longest SQS allows."""
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=data_stack["FailedRecordsQueueUrl"], AttributeNames=["MessageRetentionPeriod"]
    )["Attributes"]
    assert int(attributes["MessageRetentionPeriod"]) == SQS_MAX_RETENTION_SECONDS


def test_a_stream_record_that_keeps_failing_reaches_the_queue_before_the_stream_forgets_it():
    """The trigger gives up on a record while the stream still holds it (24 hours), after a
    bounded number of tries, and ops are alarmed about a lagging stream before records are
    given up on for their age."""
    trigger = EDGE["Resources"]["StreamTrigger"]["Properties"]
    age_alarm = ALARMS["Parameters"]["IteratorAgeThresholdMs"]

    assert 60 <= trigger["MaximumRecordAgeInSeconds"] < STREAM_RETENTION_SECONDS
    assert 0 <= trigger["MaximumRetryAttempts"] < 10000  # -1 (the default) retries until the record expires
    assert "OnFailure" in trigger["DestinationConfig"]
    assert age_alarm["MinValue"] <= age_alarm["Default"] < trigger["MaximumRecordAgeInSeconds"] * 1000


def test_a_failed_asynchronous_event_reaches_the_queue_rather_than_being_dropped():
    """S3 notifications, schedules and SNS deliveries: an age limit Lambda accepts, and the
    queue when it is reached or the retries run out (Lambda's default is to drop them)."""
    invocations = EDGE["Resources"]["AsyncInvocations"]["Properties"]
    assert 60 <= invocations["MaximumEventAgeInSeconds"] <= LAMBDA_MAX_EVENT_AGE_SECONDS
    assert "OnFailure" in invocations["DestinationConfig"]
    assert "RedrivePolicy" in EDGE["Resources"]["SesNotificationsSubscription"]["Properties"]


def test_the_functions_logs_expire(data_stack):
    """Made with a retention (Lambda's own group never expires), and every retention the
    parameter accepts is a finite one."""
    [group] = boto3.client("logs").describe_log_groups(logGroupNamePrefix=data_stack["FunctionLogGroupName"])[
        "logGroups"
    ]
    parameter = DATA["Parameters"]["LogRetentionDays"]

    assert group["retentionInDays"] == parameter["Default"]
    assert all(0 < days <= 3653 for days in parameter["AllowedValues"])


def noncurrent_days(rules, key):
    """How long S3 keeps a replaced or deleted version of `key` under these lifecycle rules."""
    days = [
        r["NoncurrentVersionExpiration"]["NoncurrentDays"]
        for r in rules
        if r["Status"] == "Enabled"
        and "NoncurrentVersionExpiration" in r
        and key.startswith(r.get("Prefix", ""))
    ]
    return min(days) if days else None


@pytest.mark.parametrize(
    ("key", "at_most", "at_least"),
    [("uploads/2026/11/harbour.jpg", 1, 1), ("renditions/2026/11/harbour/640.webp", 30, 7)],
)
def test_old_versions_expire_originals_within_a_day(key, at_most, at_least):
    """With versioning on (the default), a replaced or deleted original (its GPS and all) is
    gone for good after a day; other media can be restored for a while, then go too."""
    bucket = DATA["Resources"]["MediaBucket"]["Properties"]
    rules = bucket["LifecycleConfiguration"]["Rules"]

    assert evaluate(bucket["VersioningConfiguration"], {"MediaVersioning": "Enabled"}) == {
        "Status": "Enabled"
    }
    assert DATA["Parameters"]["MediaVersioning"]["Default"] == "Enabled"
    assert at_least <= noncurrent_days(rules, key) <= at_most
