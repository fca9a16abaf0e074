"""zappa_settings.json: what ops deploy with `zappa update <stage>`."""

import json
from pathlib import Path

import pytest

SETTINGS = json.loads((Path(__file__).resolve().parents[2] / "zappa_settings.json").read_text())


def stage(name):
    """A stage as Zappa sees it: `extends` merged in."""
    config = dict(SETTINGS[name])
    parent = config.pop("extends", None)
    return {**stage(parent), **config} if parent else config


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_stage_runs_our_entry_point_quietly(name):
    """python3.12, our own entry point, Django settings, INFO logs and Zappa's debug off (so
    whole events, with subscribers' addresses, are never logged)."""
    config = stage(name)
    assert config["runtime"] == "python3.12"
    assert config["lambda_handler"] == "dispatch.entry.handler"
    assert config["django_settings"] == "blog.settings"
    assert config["log_level"] == "INFO" and config["debug"] is False
    assert config["aws_environment_variables"]["DEBUG"] == "false"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_s3_trigger_covers_uploads_only_and_schedules_exist(name):
    """The S3 event is filtered to `uploads/`, so renditions never trigger the function; the
    schedules announce due posts and pick up photo statuses."""
    events = stage(name)["events"]
    (s3,) = [e for e in events if "event_source" in e]
    assert s3["event_source"]["key_filters"] == [{"type": "prefix", "value": "uploads/"}]
    assert s3["event_source"]["events"] == ["s3:ObjectCreated:*"]
    schedules = {e["function"] for e in events if "expression" in e}
    assert schedules == {
        "blog.tasks.publish_due_posts",
        "blog.tasks.refresh_photo_renditions",
        "blog.tasks.delete_orphan_uploads",
    }


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_zappa_attaches_none_of_its_own_policy(name):
    """Zappa neither makes a role nor attaches its default policy (s3:* on every bucket,
    dynamodb:*, sqs:*...): the function runs under the data stack's role, whose permissions
    tests/rehearsal proves with IAM enforced. Nothing here grants anything."""
    config = stage(name)
    assert config["manage_roles"] is False
    for key in ("extra_permissions", "attach_policy", "role_arn", "role_name"):
        assert key not in config, key


def test_no_secret_in_the_file():
    """Secrets come from SSM at start-up: nothing that looks like one is in the file."""
    text = json.dumps(SETTINGS).lower()
    for word in ("secret_key", "password", "aws_secret_access_key", "postgres://"):
        assert word not in text


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_zappa_carries_no_second_routing_table(name):
    """Zappa needs a function for the S3 event it wires up; it names our one entry point, whose
    router (dispatch.router.HANDLERS) is the only table of who handles what."""
    config = stage(name)
    for event in config["events"]:
        if "event_source" in event:
            assert event["function"] == config["lambda_handler"] == "dispatch.entry.handler"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_each_stage_names_its_own_newsletter_queue_and_claims_taken_from_the_stacks(name):
    """The newsletter's queue, claims table and concurrency are set in both stages (example
    values, the stage's own names), and each comes from a stack output in deployment."""
    from deploy.stack_outputs import OUTPUT_FOR_VARIABLE

    variables = stage(name)["aws_environment_variables"]
    for variable in ("NEWSLETTER_QUEUE_URL", "NEWSLETTER_CLAIMS_TABLE", "NEWSLETTER_CONCURRENCY"):
        assert variable in variables and variable in OUTPUT_FOR_VARIABLE, variable
    assert variables["NEWSLETTER_QUEUE_URL"].endswith(f"/blog-{name}-newsletter")
    assert variables["NEWSLETTER_CLAIMS_TABLE"] == f"blog-{name}-newsletter-claims"
    assert float(variables["NEWSLETTER_SEND_RATE"]) <= 14, "SES's send rate in a new production account"
