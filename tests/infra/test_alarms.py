"""infra/alarms.yaml: what ops are told about, at which threshold, and that every alarm goes to
the ops topic. Read from the template, with the queue's name worked out from the data
stack's real queue ARN (so the alarm names the queue the data stack made)."""

import boto3
import pytest

from tests.infra.cfn import ALARMS_TEMPLATE, load, moto_skips_unknown_types

ALARMS = load(ALARMS_TEMPLATE)
RESOURCES = ALARMS["Resources"]
PARAMETERS = ALARMS["Parameters"]
ALARM_NAMES = [name for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"]


def alarm(name):
    return RESOURCES[name]["Properties"]


@pytest.mark.parametrize("name", ALARM_NAMES)
def test_every_alarm_tells_the_ops_topic_and_ignores_missing_data(name):
    properties = alarm(name)
    assert properties["AlarmActions"] == [{"Ref": "OpsTopic"}]
    assert properties["OKActions"] == [{"Ref": "OpsTopic"}]
    assert properties["TreatMissingData"] == "notBreaching"


def test_the_ops_topic_takes_an_optional_email():
    subscription = RESOURCES["OpsEmail"]
    assert RESOURCES["OpsTopic"]["Type"] == "AWS::SNS::Topic"
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {"TopicArn": {"Ref": "OpsTopic"}, "Protocol": "email",
                                          "Endpoint": {"Ref": "AlarmEmail"}}  # fmt: skip
    assert PARAMETERS["AlarmEmail"]["Default"] == ""


def test_any_message_in_the_failed_records_queue_alarms():
    properties = alarm("FailedRecordsAlarm")
    assert (properties["Namespace"], properties["MetricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert (properties["Statistic"], properties["Threshold"]) == ("Maximum", 0)
    assert properties["ComparisonOperator"] == "GreaterThanThreshold"
    [dimension] = properties["Dimensions"]
    assert dimension["Name"] == "QueueName"


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_any_function_error_or_throttle_alarms(metric):
    [properties] = [alarm(n) for n in ALARM_NAMES if alarm(n)["MetricName"] == metric]
    assert properties["Namespace"] == "AWS/Lambda"
    assert properties["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "FunctionName"}}]
    assert (properties["Statistic"], properties["Threshold"]) == ("Sum", 0)
    assert properties["ComparisonOperator"] == "GreaterThanThreshold"


def test_the_stream_falling_behind_a_few_minutes_alarms():
    properties = alarm("StreamIteratorAgeAlarm")
    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/Lambda", "IteratorAge")
    assert properties["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "FunctionName"}}]
    assert properties["Statistic"] == "Maximum"
    assert properties["Threshold"] == {"Ref": "IteratorAgeThresholdMs"}
    assert PARAMETERS["IteratorAgeThresholdMs"]["Default"] == 300000
    # Well inside the stream trigger's one-hour record age limit (edge.yaml).
    assert PARAMETERS["IteratorAgeThresholdMs"]["Default"] < 3600 * 1000


@pytest.mark.parametrize(
    ("name", "metric", "parameter", "default", "aws_reviews_at"),
    [
        ("SesBounceRateAlarm", "Reputation.BounceRate", "BounceRateThreshold", 0.04, 0.05),
        ("SesComplaintRateAlarm", "Reputation.ComplaintRate", "ComplaintRateThreshold", 0.0008, 0.001),
    ],
)
def test_ses_reputation_alarms_before_aws_reviews_the_account(
    name, metric, parameter, default, aws_reviews_at
):
    properties = alarm(name)
    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/SES", metric)
    assert "Dimensions" not in properties, "account-wide, as AWS judges it"
    assert properties["Threshold"] == {"Ref": parameter}
    assert PARAMETERS[parameter]["Default"] == default < aws_reviews_at
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


@moto_skips_unknown_types
def test_the_queue_name_is_taken_from_the_data_stacks_queue_arn(data_stack):
    """moto's CloudFormation makes no alarms, so the dimension's Fn::Select/Fn::Split is
    evaluated here on the ARN the data stack really exports."""
    [dimension] = alarm("FailedRecordsAlarm")["Dimensions"]
    index, (separator, imported) = (
        dimension["Value"]["Fn::Select"][0],
        dimension["Value"]["Fn::Select"][1]["Fn::Split"],
    )
    assert imported == {"Fn::ImportValue": {"Fn::Sub": "${DataStackName}-FailedRecordsQueueArn"}}

    name = data_stack["FailedRecordsQueueArn"].split(separator)[index]

    assert name == "blog-prod-failed-records"
    assert (
        boto3.client("sqs").get_queue_url(QueueName=name)["QueueUrl"] == data_stack["FailedRecordsQueueUrl"]
    )
