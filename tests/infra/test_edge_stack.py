"""infra/edge.yaml's stream trigger as Lambda holds it once moto's CloudFormation has made it
(from the real template, reduced to what moto can make: `moto_subset` refuses to keep a
resource that names a dropped one), against stream records written out as AWS delivers them.
The SNS side and the CloudFront distribution: test_wiring.py, test_permissions.py, test_cdn.py."""

import json

import boto3
import pytest

from tests import events
from tests.infra.cfn import EDGE_TEMPLATE, FUNCTION, load, moto_skips_unknown_types, moto_subset
from tests.infra.test_wiring import make_edge_stack
from welcome.records import welcome_address

pytestmark = moto_skips_unknown_types
EDGE = load(EDGE_TEMPLATE)
STREAMS = ["dynamodb-stream-subscribers.json", "dynamodb-stream-other-table.json"]


@pytest.fixture
def trigger(data_stack, zappa_function):
    """The function's event source mapping on the subscribers' stream, as Lambda describes it
    (the newsletter queue has its own)."""
    make_edge_stack()
    mappings = boto3.client("lambda").list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"]
    [mapping] = [m for m in mappings if data_stack["SubscribersTableStreamArn"] == m["EventSourceArn"]]
    return mapping


def test_moto_makes_the_trigger_from_the_template_as_written():
    subset = moto_subset(EDGE, made={"Distribution": "E2EXAMPLE0DIST"})

    assert subset["Resources"]["StreamTrigger"] == EDGE["Resources"]["StreamTrigger"]


def matches(pattern, record):
    """Lambda's event filtering, for the patterns it is given here: each key's value (nested
    objects recursively) must be one of the listed values."""
    return all(
        matches(want, record.get(key, {})) if isinstance(want, dict) else record.get(key) in want
        for key, want in pattern.items()
    )


def passes(mapping, record):
    return any(matches(json.loads(f["Pattern"]), record) for f in mapping["FilterCriteria"]["Filters"])


@pytest.mark.parametrize("name", STREAMS)
def test_the_trigger_invokes_the_function_for_the_records_it_can_act_on_only(trigger, name):
    """Every record the handler could send a welcome for reaches it; the handler's own claims
    and marks (MODIFY) and TTL expiries (REMOVE) never invoke the function."""
    for record in events.load(name)["Records"]:
        region = record["awsRegion"]
        if welcome_address(record, region)[0] is not None:
            assert passes(trigger, record), record["eventName"]
        assert passes(trigger, record) is (record["eventName"] == "INSERT"), record["eventName"]


def test_a_failing_record_is_retried_alone_and_never_lost(trigger):
    """The handler answers `batchItemFailures`: unless told to read them, Lambda takes that
    answer for success and the failed records are lost. A batch that fails outright is split,
    so one bad record cannot hold the others back. Subscribers who signed up before the
    trigger existed are read too."""
    assert trigger["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert trigger["BisectBatchOnFunctionError"] is True
    assert trigger["StartingPosition"] == "TRIM_HORIZON"
    assert trigger["State"] == "Enabled"
