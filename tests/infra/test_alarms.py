"""infra/alarms.yaml: each alarm goes off for what ops must hear about and stays quiet
otherwise, and every alarm reaches the ops topic. moto's CloudFormation makes no alarms, so
each is worked out from the template for the prod stage and judged on sample values the way
CloudWatch compares a statistic with its threshold. (The queue alarm's dimension, evaluated
on the data stack's real export: test_wiring.py.)"""

import operator

import pytest

from tests.infra.cfn import ALARMS_TEMPLATE, DATA_STACK, FUNCTION, decide_conditions, evaluate, load

ALARMS = load(ALARMS_TEMPLATE)
RESOURCES = ALARMS["Resources"]
PARAMETERS = ALARMS["Parameters"]
VALUES = {
    "FunctionName": FUNCTION, "DataStackName": DATA_STACK, "OpsTopic": "<ops topic>", "AlarmEmail": "",
    f"{DATA_STACK}-FailedRecordsQueueArn": "arn:aws:sqs:eu-west-1:123456789012:blog-prod-failed-records",
    **{name: p["Default"] for name, p in PARAMETERS.items() if "Default" in p},
}  # fmt: skip
ALARM_NAMES = [name for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"]
COMPARE = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


def alarm(name):
    return evaluate(RESOURCES[name]["Properties"], VALUES)


def goes_off(name, value):
    """Does a period whose statistic is `value` breach the alarm's threshold?"""
    properties = alarm(name)
    return COMPARE[properties["ComparisonOperator"]](value, float(properties["Threshold"]))


@pytest.mark.parametrize("name", ALARM_NAMES)
def test_every_alarm_tells_the_ops_topic_when_it_goes_off_and_when_it_clears(name):
    """And a quiet metric (no invocations, an empty queue) is no alarm."""
    properties = alarm(name)
    assert properties["AlarmActions"] == properties["OKActions"] == ["<ops topic>"]
    assert properties["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize(
    ("metric", "quiet", "loud"),
    [
        # Any message in the failed-records queue is work that failed for good.
        ("ApproximateNumberOfMessagesVisible", 0, 1),
        # Any error or throttle of the function (a crashing view is Zappa's 500, not an error).
        ("Errors", 0, 1),
        ("Throttles", 0, 1),
        # The stream falling a few minutes behind: welcomes are late.
        ("IteratorAge", 60_000, 6 * 60_000),
        # SES reviews an account at 5% bounces and 0.1% complaints: alarm before that.
        ("Reputation.BounceRate", 0.01, 0.05),
        ("Reputation.ComplaintRate", 0.0002, 0.001),
    ],
)
def test_each_alarm_goes_off_for_what_matters_and_not_before(metric, quiet, loud):
    [name] = [n for n in ALARM_NAMES if alarm(n)["MetricName"] == metric]
    assert not goes_off(name, quiet)
    assert goes_off(name, loud)


def test_the_function_alarms_watch_the_function_the_stacks_are_given():
    """Lambda's metrics by the function's name: the one the edge stack wires to its events."""
    for name in ALARM_NAMES:
        properties = alarm(name)
        if properties["Namespace"] == "AWS/Lambda":
            assert properties["Dimensions"] == [{"Name": "FunctionName", "Value": FUNCTION}], name


def test_ses_reputation_is_watched_account_wide_as_aws_judges_it():
    for name in ALARM_NAMES:
        if alarm(name)["Namespace"] == "AWS/SES":
            assert "Dimensions" not in alarm(name), name


@pytest.mark.parametrize("address", ["", "ops@example.com"])
def test_an_address_given_is_subscribed_to_the_ops_topic(address):
    conditions = decide_conditions(ALARMS, {**VALUES, "AlarmEmail": address})
    subscription = RESOURCES["OpsEmail"]

    assert conditions[subscription["Condition"]] is bool(address)
    if address:
        properties = evaluate(subscription["Properties"], {**VALUES, "AlarmEmail": address})
        assert properties == {"TopicArn": "<ops topic>", "Protocol": "email", "Endpoint": address}
