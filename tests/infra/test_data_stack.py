"""infra/data.yaml: the buckets, the subscribers table, the failed-records queue and the SES
notifications, first as moto's CloudFormation makes them, then (for what moto does not make or
record: TTL, point-in-time recovery, public access blocks, SES, the global table) as the
template declares them."""

import re

import boto3
import pytest

from tests.infra.cfn import DATA_TEMPLATE, EDGE_TEMPLATE, load, moto_skips_unknown_types

pytestmark = moto_skips_unknown_types
DATA = load(DATA_TEMPLATE)
RESOURCES = DATA["Resources"]


def of_type(resource_type):
    return {name: r for name, r in RESOURCES.items() if r["Type"] == resource_type}


def of_type_in(path, resource_type):
    return {name: r for name, r in load(path)["Resources"].items() if r["Type"] == resource_type}


# --- made by moto's CloudFormation ------------------------------------------------------


def test_subscribers_table_is_keyed_by_email_with_a_new_image_stream(data_stack):
    """A single-region stack makes a plain table: key `email` (string), on-demand, stream of new images."""
    table = boto3.client("dynamodb").describe_table(TableName=data_stack["SubscribersTableName"])["Table"]

    assert data_stack["SubscribersTableName"] == "blog-prod-subscribers"
    assert table["KeySchema"] == [{"AttributeName": "email", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "email", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert table["DeletionProtectionEnabled"] is True
    assert data_stack["SubscribersTableArn"] == table["TableArn"]
    assert data_stack["SubscribersTableStreamArn"] == table["LatestStreamArn"]


def test_buckets_are_made_encrypted_and_named_for_project_stage_account_and_region(data_stack):
    """Bucket names are predictable, so zappa_settings can name the media bucket before deploy."""
    s3 = boto3.client("s3")

    for kind in ("Media", "Static"):
        name = data_stack[f"{kind}BucketName"]
        assert name == f"blog-prod-{kind.lower()}-123456789012-eu-west-1"
        assert data_stack[f"{kind}BucketArn"] == f"arn:aws:s3:::{name}"
        assert data_stack[f"{kind}BucketRegionalDomainName"] == f"{name}.s3.eu-west-1.amazonaws.com"
        [rule] = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_failed_records_queue_keeps_messages_for_fourteen_days_encrypted(data_stack):
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=data_stack["FailedRecordsQueueUrl"], AttributeNames=["All"]
    )["Attributes"]

    assert attributes["QueueArn"] == data_stack["FailedRecordsQueueArn"]
    assert attributes["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    assert attributes["SqsManagedSseEnabled"] == "true"


def test_ses_notifications_topic_is_made(data_stack):
    topics = [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]]

    assert data_stack["SesNotificationsTopicArn"] in topics
    assert data_stack["SesNotificationsTopicArn"].endswith(":blog-prod-ses-notifications")


def test_exports_carry_the_stack_name(data_stack):
    """Every output moto could resolve is exported as <stack>-<output> (moto makes no SES
    configuration set, so that export has no value here)."""
    exports = {e["Name"]: e.get("Value") for e in boto3.client("cloudformation").list_exports()["Exports"]}

    for key, value in data_stack.items():
        assert exports[f"blog-data-prod-{key}"] == value


# --- declared in the template -------------------------------------------------------------


def test_every_import_of_the_edge_stack_is_exported_here():
    """edge.yaml imports ${DataStackName}-<Output>; each such output exists and is exported."""
    imported = set(re.findall(r"\$\{DataStackName\}-(\w+)", EDGE_TEMPLATE.read_text()))
    exported = {
        key
        for key, output in DATA["Outputs"].items()
        if output.get("Export", {}).get("Name") == {"Fn::Sub": f"${{AWS::StackName}}-{key}"}
    }

    assert imported
    assert imported <= exported


@pytest.mark.parametrize("name", ["SubscribersTable", "SubscribersGlobalTable"])
def test_subscribers_table_has_ttl_point_in_time_recovery_and_is_retained(name):
    table = RESOURCES[name]
    properties = table["Properties"]
    recovery = (
        [properties["PointInTimeRecoverySpecification"]]
        if name == "SubscribersTable"
        else [r["PointInTimeRecoverySpecification"] for r in replica_specs(properties["Replicas"])]
    )

    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert recovery
    assert all(r == {"PointInTimeRecoveryEnabled": True} for r in recovery)
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def replica_specs(replicas):
    """The replica specifications, the conditional one taken as if its condition held."""
    return [r["Fn::If"][1] if "Fn::If" in r else r for r in replicas]


def test_exactly_one_of_table_and_global_table_exists_and_they_agree():
    """A Table without replica regions, a GlobalTable with them: same name, key, billing, stream, TTL."""
    table, global_table = RESOURCES["SubscribersTable"], RESOURCES["SubscribersGlobalTable"]
    conditions = DATA["Conditions"]
    shared = ["TableName", "BillingMode", "AttributeDefinitions", "KeySchema", "StreamSpecification"]

    assert conditions["IsSingleRegion"] == {"Fn::Equals": [{"Ref": "ReplicaRegions"}, ""]}
    assert conditions["IsGlobal"] == {"Fn::Not": [conditions["IsSingleRegion"]]}
    assert (table["Condition"], global_table["Condition"]) == ("IsSingleRegion", "IsGlobal")
    for key in [*shared, "TimeToLiveSpecification"]:
        assert table["Properties"][key] == global_table["Properties"][key], key


def test_global_table_replicates_to_this_region_and_up_to_two_others():
    replicas = RESOURCES["SubscribersGlobalTable"]["Properties"]["Replicas"]
    split = {"Fn::Split": [",", {"Ref": "ReplicaRegions"}]}

    assert replicas[0]["Region"] == {"Ref": "AWS::Region"}
    assert replicas[1]["Region"] == {"Fn::Select": [0, split]}
    condition, second, absent = replicas[2]["Fn::If"]
    assert (condition, second["Region"], absent) == (
        "HasSecondReplica",
        {"Fn::Select": [1, split]},
        {"Ref": "AWS::NoValue"},
    )
    assert all(r["DeletionProtectionEnabled"] is True for r in replica_specs(replicas))


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


@pytest.mark.parametrize("name", ["MediaBucket", "StaticBucket"])
def test_buckets_are_private_owner_enforced_encrypted_and_retained(name):
    bucket = RESOURCES[name]
    properties = bucket["Properties"]

    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [encryption] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"


def test_bucket_policies_are_left_to_the_edge_stack():
    """They grant the distribution, which exists only once edge.yaml has made it."""
    assert of_type("AWS::S3::BucketPolicy") == {}
    assert set(of_type_in(EDGE_TEMPLATE, "AWS::S3::BucketPolicy")) == {
        "MediaBucketPolicy",
        "StaticBucketPolicy",
    }


def test_media_versioning_follows_its_parameter_and_old_versions_expire():
    properties = RESOURCES["MediaBucket"]["Properties"]
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}

    assert properties["VersioningConfiguration"] == {"Status": {"Ref": "MediaVersioning"}}
    assert DATA["Parameters"]["MediaVersioning"]["AllowedValues"] == ["Enabled", "Suspended"]
    assert rules["expire-old-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}


def test_failed_records_queue_is_retained_and_accepts_redrives_from_the_ses_topic_only():
    queue = RESOURCES["FailedRecordsQueue"]
    [statement] = RESOURCES["FailedRecordsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]

    assert queue["DeletionPolicy"] == "Retain"
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "SesNotificationsTopic"}}}


def test_bounces_and_complaints_of_the_configuration_set_go_to_the_topic():
    """The destination is enabled (CloudFormation's default is disabled) and sends only these two."""
    destination = RESOURCES["BouncesAndComplaints"]["Properties"]
    event_destination = destination["EventDestination"]

    assert destination["ConfigurationSetName"] == {"Ref": "ConfigurationSet"}
    assert event_destination["Enabled"] is True
    assert sorted(event_destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert event_destination["SnsDestination"] == {"TopicARN": {"Ref": "SesNotificationsTopic"}}
    assert RESOURCES["BouncesAndComplaints"]["DependsOn"] == "SesNotificationsTopicPolicy"
    assert RESOURCES["ConfigurationSet"]["Properties"]["SuppressionOptions"] == {
        "SuppressedReasons": ["BOUNCE", "COMPLAINT"]
    }


def test_only_ses_for_this_account_and_configuration_set_may_publish_to_the_topic():
    [statement] = RESOURCES["SesNotificationsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]

    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    conditions = statement["Condition"]["StringEquals"]
    assert conditions["AWS:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert conditions["AWS:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
        ":configuration-set/${ConfigurationSet}"
    }
