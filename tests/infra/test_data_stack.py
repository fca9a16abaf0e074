"""infra/data.yaml as the app meets it: the app's own DynamoDB store and stream handler run
against the table moto's CloudFormation makes from the template; whichever table the
parameters choose, the app sees the same one; data at rest is encrypted; the admin's browser
may post photos to the media bucket from the site's origins only."""

import re

import boto3
import pytest

from tests.infra.cfn import DATA_TEMPLATE, REGION, decide_conditions, evaluate, load, moto_skips_unknown_types

pytestmark = moto_skips_unknown_types
DATA = load(DATA_TEMPLATE)
RESOURCES = DATA["Resources"]


@pytest.fixture
def stack_store(data_stack, settings, monkeypatch):
    """The app's DynamoDB subscriber store, pointed at the stack's table."""
    from common.aws import forget_clients
    from welcome.store import _make_store

    monkeypatch.setenv("LOCAL_EVENTS", "false")
    settings.SUBSCRIBER_STORE = {
        "BACKEND": "welcome.dynamodb_store.DynamoDBSubscriberStore",
        "OPTIONS": {"table_name": data_stack["SubscribersTableName"]},
    }
    _make_store.cache_clear()
    forget_clients()
    yield
    _make_store.cache_clear()


def test_the_app_subscribes_into_the_table_and_its_stream_asks_for_the_welcome(data_stack, stack_store):
    """The app's own writes succeed on the table as made (its key, its types), the table's
    stream carries the INSERT with the item's new image, and the stream handler's rule reads
    a welcome out of it, as the trigger will deliver it."""
    from dispatch import replay
    from welcome import records, services
    from welcome.store import get_store

    services.subscribe("Jane@Example.com")
    assert get_store().get("jane@example.com").status == "pending"

    arn = data_stack["SubscribersTableStreamArn"]
    # botocore sends StreamArn calls to an account host moto 5.2.5 does not route.
    streams = boto3.client("dynamodbstreams", endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com")
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )
    [raw] = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    number = raw["dynamodb"]["SequenceNumber"]
    batch = {
        "streamArn": arn,
        "shardId": shard["ShardId"],
        "startSequenceNumber": number,
        "endSequenceNumber": number,
    }
    [record] = replay.stream_records(batch, streams)

    assert record["eventName"] == "INSERT"
    assert records.welcome_address(record, REGION) == ("jane@example.com", "a new pending subscriber")


def test_entries_expire_on_the_attribute_the_app_writes(stack_store, data_stack):
    """The table's TTL attribute is the one each pending entry carries (epoch seconds), so
    DynamoDB removes an unconfirmed subscription when its link expires. (moto's
    CloudFormation does not apply TTL: the template's setting is read.)"""
    from welcome import services

    services.subscribe("jane@example.com")
    item = boto3.client("dynamodb").get_item(
        TableName=data_stack["SubscribersTableName"], Key={"email": {"S": "jane@example.com"}}
    )["Item"]
    ttl = RESOURCES["SubscribersTable"]["Properties"]["TimeToLiveSpecification"]

    assert ttl["Enabled"] is True
    assert set(item[ttl["AttributeName"]]) == {"N"}


SAME_FOR_THE_APP = ["TableName", "BillingMode", "AttributeDefinitions", "KeySchema", "StreamSpecification", "TimeToLiveSpecification"]  # fmt: skip


@pytest.mark.parametrize("replicas", ["", "eu-central-1", "eu-central-1,us-east-1"])
def test_whichever_table_the_parameters_make_the_app_sees_the_same(replicas):
    """Exactly one of the plain table and the global table is made, with the same name, key,
    billing, stream and TTL, and the outputs name the one that is made."""
    values = {
        "ReplicaRegions": replicas, "AWS::Region": REGION, "ProjectName": "blog", "Stage": "prod",
        "SubscribersTable": "<table>", "SubscribersGlobalTable": "<global table>",
        "SubscribersTable.Arn": "<table arn>", "SubscribersGlobalTable.Arn": "<global table arn>",
        "SubscribersTable.StreamArn": "<table stream>", "SubscribersGlobalTable.StreamArn": "<global table stream>",
    }  # fmt: skip
    conditions = decide_conditions(DATA, values)
    made = [
        n
        for n, r in RESOURCES.items()
        if r["Type"].startswith("AWS::DynamoDB::") and "Condition" in r and conditions[r["Condition"]]
    ]
    [name] = made
    single = evaluate(RESOURCES["SubscribersTable"]["Properties"], values, conditions)
    properties = evaluate(RESOURCES[name]["Properties"], values, conditions)

    assert name == ("SubscribersGlobalTable" if replicas else "SubscribersTable")
    assert {k: properties[k] for k in SAME_FOR_THE_APP} == {k: single[k] for k in SAME_FOR_THE_APP}
    for output, attribute in (("SubscribersTableName", ""), ("SubscribersTableArn", ".Arn"), ("SubscribersTableStreamArn", ".StreamArn")):  # fmt: skip
        assert evaluate(DATA["Outputs"][output]["Value"], values, conditions) == values[name + attribute]


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("", True),
        ("eu-central-1", True),
        ("eu-central-1,us-east-1", True),
        ("ap-southeast-2,us-gov-west-1", True),
        ("eu-central-1,us-east-1,ap-south-1", False),
        ("eu-central-1,", False),
        ("eu-central-1, us-east-1", False),
        ("EU-CENTRAL-1", False),
    ],
)
def test_replica_regions_take_at_most_two_regions(value, accepted):
    """The template writes out two optional replicas; a third region is refused, not ignored."""
    pattern = DATA["Parameters"]["ReplicaRegions"]["AllowedPattern"]

    assert (re.fullmatch(pattern, value) is not None) is accepted


def test_what_the_stack_holds_is_encrypted_at_rest(data_stack):
    s3 = boto3.client("s3")
    for kind in ("Media", "Static"):
        [rule] = s3.get_bucket_encryption(Bucket=data_stack[f"{kind}BucketName"])[
            "ServerSideEncryptionConfiguration"
        ]["Rules"]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=data_stack["FailedRecordsQueueUrl"], AttributeNames=["SqsManagedSseEnabled"]
    )["Attributes"]
    assert attributes["SqsManagedSseEnabled"] == "true"
    # DynamoDB encrypts every table at rest; nothing to ask for.


def test_only_the_sites_pages_may_post_photos_to_the_media_bucket():
    """The admin's browser posts an upload straight to the bucket (a POST signed for one key):
    CORS lets the origins the stack is given do that, and nothing else."""
    origins = ["https://blog.example.com", "https://d111111abcdef8.cloudfront.net"]
    cors = evaluate(RESOURCES["MediaBucket"]["Properties"]["CorsConfiguration"], {"SiteOrigins": origins})

    [rule] = cors["CorsRules"]
    assert rule["AllowedOrigins"] == origins
    assert rule["AllowedMethods"] == ["POST"]
    assert "CorsConfiguration" not in RESOURCES["StaticBucket"]["Properties"]
