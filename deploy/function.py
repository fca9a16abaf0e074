"""The function, made and updated by Zappa from the generated zappa_settings.json, and what
runs beside it: static files collected into the static bucket by the deployer, migrations
run in the function (`zappa manage`).

A run changes the function only when something differs: the package's SHA-256 against the
code Lambda holds, and the digest of the stage's settings against the tag the last run left
on the function (the settings reach Zappa's schedules, S3 trigger and API, which Lambda's
own configuration does not show)."""

import base64
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from deploy.settings import function_name

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_TAG = "deploy-settings-digest"


def zappa(*arguments, check=True):
    """The Zappa CLI of this venv, in the project (it reads zappa_settings.json there).
    For deploy, update and undeploy `--json` only skips Zappa's check for a newer version on
    PyPI (ours is pinned); `manage` takes no such flag."""
    quiet = ["--json"] if arguments[0] in ("deploy", "update", "undeploy") else []
    command = [str(Path(sys.executable).with_name("zappa")), *arguments, *quiet]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"`zappa {' '.join(arguments)}` failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def code_sha256(zip_path):
    return base64.b64encode(hashlib.sha256(Path(zip_path).read_bytes()).digest()).decode()


def current(region, name):
    """(the function's configuration, its tags), or (None, {}) if it does not exist."""
    client = boto3.client("lambda", region_name=region)
    try:
        configuration = client.get_function(FunctionName=name)["Configuration"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None, {}
        raise
    return configuration, client.list_tags(Resource=configuration["FunctionArn"]).get("Tags", {})


def deploy(stage, zip_path, digest, say=print):
    """Create or update the function with Zappa. Returns "created", "updated" or "unchanged"."""
    region, name = stage["region"], function_name(stage)
    configuration, tags = current(region, name)
    if configuration is None:
        say(f"  zappa deploy {stage['name']} -z {_shown(zip_path)}")
        zappa("deploy", stage["name"], "-z", str(zip_path))
        action = "created"
    elif configuration["CodeSha256"] == code_sha256(zip_path) and tags.get(SETTINGS_TAG) == digest:
        return "unchanged"
    else:
        say(f"  zappa update {stage['name']} -z {_shown(zip_path)}")
        zappa("update", stage["name"], "-z", str(zip_path))
        action = "updated"
    client = boto3.client("lambda", region_name=region)
    arn = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    client.tag_resource(Resource=arn, Tags={SETTINGS_TAG: digest})
    return action


def _shown(path):
    path = Path(path)
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def api_domain(stage):
    """API Gateway's host name for the API Zappa made (its CloudFormation stack is named after
    the function, the API's logical id is "Api")."""
    from deploy.stacks import cloudformation, physical_id

    api_id = physical_id(cloudformation(stage["region"]), function_name(stage), "Api")
    if not api_id:
        raise RuntimeError("Zappa made no API Gateway (its stack has no Api resource)")
    return f"{api_id}.execute-api.{stage['region']}.amazonaws.com"


def collect_static(stage, static_bucket):
    """`collectstatic` into the static bucket with the deployer's credentials (the function may
    only read the manifest). Returns (copied, unmodified)."""
    with tempfile.TemporaryDirectory(prefix="blog-static-") as work:
        env = {
            **{k: v for k, v in os.environ.items() if k.startswith(("AWS_", "PATH", "HOME", "LANG"))},
            "DJANGO_SETTINGS_MODULE": "blog.settings",
            # Only the static files storage is used: no secret key, database or origin lock.
            "DEBUG": "true",
            "VAR_DIR": work,
            "STATIC_BUCKET": static_bucket,
            "AWS_DEFAULT_REGION": stage["region"],
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{result.stderr[-3000:]}")
    copied = re.search(r"(\d+) static files? copied", result.stdout)
    unmodified = re.search(r"(\d+) unmodified", result.stdout)
    return int(copied.group(1)) if copied else 0, int(unmodified.group(1)) if unmodified else 0


def migrate(stage):
    """`zappa manage <stage> migrate`: runs in the function, against its database. Returns
    Django's output."""
    result = zappa("manage", stage["name"], "migrate --noinput")
    return result.stdout
