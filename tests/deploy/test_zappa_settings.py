"""The stages' Zappa settings, as deploy/settings.py generates them from stages.toml and the
stacks' outputs: what `make deploy` writes into zappa_settings.json, and `zappa update
<stage>` then reads."""

import json
import re
import tomllib

import pytest

from deploy.settings import (
    DESCRIPTION,
    DescriptionError,
    MissingOutput,
    stage,
    write,
    zappa_settings,
)
from deploy.stack_outputs import OUTPUT_FOR_VARIABLE

STAGES = ["dev", "prod", "rehearsal"]


def outputs_for(name, region="eu-west-1", with_edge=True):
    """Outputs as the stacks give them (names the templates make)."""
    account = "123456789012"
    data = {
        "MediaBucketName": f"blog-{name}-media-{account}-{region}",
        "MediaBucketArn": f"arn:aws:s3:::blog-{name}-media-{account}-{region}",
        "StaticBucketName": f"blog-{name}-static-{account}-{region}",
        "DeploymentBucketName": f"blog-{name}-deploy-{account}-{region}",
        "SubscribersTableName": f"blog-{name}-subscribers",
        "SesConfigurationSetName": f"blog-{name}",
        "SesNotificationsTopicArn": f"arn:aws:sns:{region}:{account}:blog-{name}-ses-notifications",
        "FailedRecordsQueueUrl": f"https://sqs.{region}.amazonaws.com/{account}/blog-{name}-failed-records",
        "NewsletterQueueUrl": f"https://sqs.{region}.amazonaws.com/{account}/blog-{name}-newsletter",
        "NewsletterClaimsTableName": f"blog-{name}-newsletter-claims",
    }
    database = {
        "DatabaseHost": f"blog-{name}.abcdefghijkl.{region}.rds.amazonaws.com",
        "DatabasePort": "5432",
        "DatabaseName": "blog",
        "DatabaseUser": "blog_app",
    }
    edge = {
        "DistributionId": "E2EXAMPLE0DIST",
        "PublicBaseUrl": "https://d111111abcdef8.cloudfront.net",
        "PublicDomainName": "d111111abcdef8.cloudfront.net",
        "NewsletterConcurrency": "2",
    }
    return {"data": data, "database": database, "edge": edge if with_edge else {}}


@pytest.mark.parametrize("name", STAGES)
def test_stage_runs_our_entry_point_quietly(name):
    """python3.12, our own entry point, Django settings, INFO logs and Zappa's debug off (so
    whole events, with subscribers' addresses, are never logged)."""
    config = zappa_settings(name, outputs_for(name))
    assert config["runtime"] == "python3.12"
    assert config["lambda_handler"] == "dispatch.entry.handler"
    assert config["django_settings"] == "blog.settings"
    assert config["log_level"] == "INFO" and config["debug"] is False
    assert config["aws_environment_variables"]["DEBUG"] == "false"
    assert config["touch"] is False


@pytest.mark.parametrize("name", STAGES)
def test_s3_trigger_covers_uploads_only_and_schedules_exist(name):
    """The S3 event is on the data stack's media bucket, filtered to `uploads/` with the key
    Zappa 0.63 reads (`prefix`), so renditions never trigger the function; the schedules
    announce due posts, pick up photo statuses and sweep orphans."""
    outputs = outputs_for(name)
    events = zappa_settings(name, outputs)["events"]
    (s3,) = [e for e in events if "event_source" in e]
    assert s3["event_source"]["arn"] == outputs["data"]["MediaBucketArn"]
    assert s3["event_source"]["prefix"] == "uploads/"
    assert "key_filters" not in s3["event_source"]
    assert s3["event_source"]["events"] == ["s3:ObjectCreated:*"]
    schedules = {e["function"] for e in events if "expression" in e}
    assert schedules == {
        "blog.tasks.publish_due_posts",
        "blog.tasks.refresh_photo_renditions",
        "blog.tasks.delete_orphan_uploads",
    }


@pytest.mark.parametrize("name", STAGES)
def test_zappa_attaches_none_of_its_own_policy(name):
    """Zappa neither makes a role nor attaches its default policy (s3:* on every bucket,
    dynamodb:*, sqs:*...): the function runs under the data stack's role, whose permissions
    tests/rehearsal proves with IAM enforced. Nothing here grants anything."""
    config = zappa_settings(name, outputs_for(name))
    assert config["manage_roles"] is False
    for key in ("extra_permissions", "attach_policy", "role_arn", "role_name"):
        assert key not in config, key


@pytest.mark.parametrize("name", STAGES)
def test_every_resource_name_comes_from_the_stacks(name):
    """Each resource-naming variable is its stack's output; the Zappa bucket is the data
    stack's; the prefix of the stage's secrets is its own."""
    outputs = outputs_for(name)
    config = zappa_settings(name, outputs)
    variables = config["aws_environment_variables"]
    for variable, (stack, key) in OUTPUT_FOR_VARIABLE.items():
        assert variables[variable] == outputs[stack][key], variable
    assert config["s3_bucket"] == outputs["data"]["DeploymentBucketName"]
    assert variables["SSM_PREFIX"] == f"/blog/{name}/"
    assert variables["ALLOWED_HOSTS"] == ".execute-api.eu-west-1.amazonaws.com"


def test_the_description_names_no_resource():
    """stages.toml holds no bucket, table, queue, topic, distribution or database name, no
    account and no ARN: those come from the stacks."""
    text = DESCRIPTION.read_text()
    described = tomllib.loads(text)
    for forbidden in ("arn:aws", "123456789012", "-media", "-static", "-subscribers", "-failed-records",
                      "cloudfront.net", "rds.amazonaws.com", "execute-api"):  # fmt: skip
        assert forbidden not in text, forbidden
    for table in [described.get("environment", {})] + [
        s.get("environment", {}) for s in described["stages"].values()
    ]:
        assert not set(table) & set(OUTPUT_FOR_VARIABLE), table


def test_prod_does_not_restate_dev():
    """Each stage says only where it differs; the rest is said once."""
    described = tomllib.loads(DESCRIPTION.read_text())
    assert len(described["stages"]["prod"]) < 10
    assert "events" not in json.dumps(described["stages"])
    assert "region" not in described["stages"]["prod"], "the region is chosen once, in [defaults]"
    dev, prod = zappa_settings("dev", outputs_for("dev")), zappa_settings("prod", outputs_for("prod"))
    assert dev["exclude"] == prod["exclude"] and len(dev["exclude"]) > 40
    assert prod["aws_environment_variables"]["DEFAULT_FROM_EMAIL"] == "Field Notes <hello@blog.example.com>"


def test_a_first_deploy_without_the_edge_stack_leaves_its_variables_out():
    """Before the edge stack exists (a first deploy), its variables are absent rather than
    guessed; the deploy fills them in once it is made."""
    variables = zappa_settings("dev", outputs_for("dev", with_edge=False))["aws_environment_variables"]
    assert "SITE_URL" not in variables and "CLOUDFRONT_DISTRIBUTION_ID" not in variables
    assert variables["MEDIA_BUCKET"].startswith("blog-dev-media-")


def test_an_output_the_event_needs_must_exist_unless_packaging_offline():
    with pytest.raises(MissingOutput, match="MediaBucketArn"):
        zappa_settings("dev", {"data": {}})
    offline = zappa_settings("dev", {}, complete=False)
    assert [e for e in offline["events"] if "event_source" in e] == []
    assert "s3_bucket" not in offline


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_the_function_reads_its_secrets_through_the_extension_layer(name):
    """The region's Parameters and Secrets extension is attached, and the function is told so
    by the extension's own port variable (blog/ssm.py reads through it when it is set)."""
    config = zappa_settings(name, outputs_for(name))
    assert config["layers"] == [
        "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12"
    ]
    assert config["aws_environment_variables"]["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == "2773"


def test_the_rehearsal_reads_its_secrets_through_boto3():
    """moto knows no AWS-published layer: no layer, no port, so the function uses boto3."""
    config = zappa_settings("rehearsal", outputs_for("rehearsal"))
    assert "layers" not in config
    assert "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT" not in config["aws_environment_variables"]


def test_a_region_without_a_known_extension_layer_is_refused_by_name():
    described = {
        "project_name": "blog",
        "defaults": {
            "region": "sa-east-1",
            "sender": "Field Notes <hello@example.org>",
            "secrets_extension": True,
        },
        "stages": {"qa": {}},
        "zappa": {},
    }
    with pytest.raises(DescriptionError, match="extension for sa-east-1"):
        zappa_settings("qa", {}, complete=False, described=described)
    described["stages"]["qa"] = {"secrets_extension": False}
    assert "layers" not in zappa_settings("qa", {}, complete=False, described=described)


def test_a_stage_that_is_not_described_is_refused_by_name():
    with pytest.raises(DescriptionError, match=r"no stage 'staging'.*\[stages.staging\]"):
        stage("staging")


def test_a_stage_without_a_domain_needs_its_own_sender():
    described = {
        "project_name": "blog",
        "defaults": {"region": "eu-west-1", "sender": "Field Notes <hello@{domain}>"},
        "stages": {"qa": {}},
        "zappa": {},
    }
    with pytest.raises(DescriptionError, match="has no domain"):
        stage("qa", described)
    described["stages"]["qa"] = {"domain": "qa.example.org"}
    assert stage("qa", described)["sender_domain"] == "qa.example.org"


def test_writing_keeps_other_stages_and_says_when_nothing_changed(tmp_path):
    path = tmp_path / "zappa_settings.json"
    assert write("dev", {"a": 1}, path)
    assert write("prod", {"b": 2}, path)
    assert not write("prod", {"b": 2}, path)
    assert json.loads(path.read_text()) == {"dev": {"a": 1}, "prod": {"b": 2}}


def test_no_secret_in_the_generated_settings():
    """Secrets come from SSM at start-up: nothing that looks like one is in the settings."""
    text = json.dumps([zappa_settings(n, outputs_for(n)) for n in STAGES]).lower()
    for word in ("secret_key", "password", "aws_secret_access_key", "postgres://"):
        assert word not in text
    assert not re.search(r"origin.verify\"", text)


RESOURCE_NAMING = re.compile(
    r"_(BUCKET|TABLE|QUEUE|QUEUE_URL|TOPIC_ARN|CONFIGURATION_SET|DISTRIBUTION_ID)$|^DATABASE_(HOST|PORT|NAME|USER)$"
)


def test_every_resource_naming_variable_the_code_reads_comes_from_a_stack():
    """A variable the code reads that names an AWS resource (a bucket, table, queue, topic,
    configuration set, distribution, the database) is mapped to the stack output that names
    it, so no stage's settings can carry a hand-typed one."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    read = set()
    for package in ("blog", "welcome", "thumbnails", "newsletter", "dispatch", "common"):
        for path in (root / package).rglob("*.py"):
            read |= set(
                re.findall(
                    r"""(?:env(?:\.\w+)?\(|environ(?:\.get)?\(|environ\[|getenv\()["']([A-Z_]+)["']""",
                    path.read_text(),
                )
            )
    naming = {name for name in read if RESOURCE_NAMING.search(name)}
    assert {"MEDIA_BUCKET", "SUBSCRIBERS_TABLE", "FAILED_RECORDS_QUEUE", "DATABASE_HOST"} <= naming
    assert sorted(naming - set(OUTPUT_FOR_VARIABLE)) == []
