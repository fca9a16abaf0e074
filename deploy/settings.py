"""A stage's Zappa settings, generated from stages.toml (the one description of every stage)
and the stacks' outputs. zappa_settings.json is this module's output, git-ignored, and holds
nothing typed by hand: `make deploy` writes it, `make settings STAGE=<name>` writes it again
from the live stacks, and from then on `zappa update <stage>`, `zappa tail`, `zappa manage`...
work as usual.

Usage: python -m deploy.settings <stage>   (reads the stacks with your AWS credentials)"""

import hashlib
import json
import re
import sys
import tomllib
from email.utils import parseaddr
from pathlib import Path

from deploy.stack_outputs import environment

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTION = ROOT / "stages.toml"
SETTINGS_FILE = ROOT / "zappa_settings.json"
# `${data.MediaBucketArn}`: an output of one of the stage's stacks.
PLACEHOLDER = re.compile(r"\$\{(\w+)\.(\w+)\}")
STAGE_NAME = re.compile(r"^[a-z][a-z0-9]{0,9}$")  # data.yaml's Stage pattern


class DescriptionError(Exception):
    """stages.toml does not describe what was asked for."""


class MissingOutput(DescriptionError):
    """A setting names a stack output that the stack does not have (yet)."""


def description(path=DESCRIPTION):
    with open(path, "rb") as file:
        return tomllib.load(file)


def stage(name, described=None):
    """The stage's own description, over the defaults: project, region, domain, sender..."""
    described = described or description()
    if name not in described.get("stages", {}):
        known = ", ".join(sorted(described.get("stages", {})))
        raise DescriptionError(
            f"stages.toml describes no stage {name!r} (it has: {known}); add [stages.{name}]"
        )
    if not STAGE_NAME.match(name):
        raise DescriptionError(
            f"a stage name is a lower-case letter and up to 9 letters or digits, not {name!r}"
        )
    merged = {**described.get("defaults", {}), **described["stages"][name]}
    merged["name"] = name
    merged["project"] = described["project_name"]
    if "{domain}" in merged.get("sender", ""):
        if not merged.get("domain"):
            raise DescriptionError(
                f"stage {name!r} has no domain: give it a sender (an address at a domain you own)"
            )
        merged["sender"] = merged["sender"].replace("{domain}", merged["domain"])
    address = parseaddr(merged.get("sender", ""))[1]
    if "@" not in address:
        raise DescriptionError(f"stage {name!r}: sender {merged.get('sender')!r} is not an email address")
    merged["sender_domain"] = address.rpartition("@")[2].lower()
    if merged.get("database", "rds") not in ("rds", "external"):
        raise DescriptionError(f"stage {name!r}: database is 'rds' or 'external'")
    return merged


# The AWS Parameters and Secrets Lambda extension (x86_64), published by AWS in each region
# under an account of its own: "AWS Parameters and Secrets Lambda Extension ARNs" in the Systems
# Manager user guide lists them and the newest version. A stage in another region needs its line.
SECRETS_EXTENSION_LAYERS = {
    "eu-west-1": "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12",
}


def secrets_extension_layer(region):
    try:
        return SECRETS_EXTENSION_LAYERS[region]
    except KeyError:
        raise DescriptionError(
            f"no ARN of the Parameters and Secrets extension for {region}: add it to "
            "deploy/settings.py (SECRETS_EXTENSION_LAYERS), or give the stage secrets_extension = false"
        ) from None


def function_name(described_stage):
    return f"{described_stage['project']}-{described_stage['name']}"


def _resolve(value, outputs):
    """`value` with every `${stack.Output}` replaced by that output."""
    if isinstance(value, dict):
        return {k: _resolve(v, outputs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, outputs) for v in value]
    if not isinstance(value, str):
        return value

    def output(match):
        stack, key = match.groups()
        try:
            return str(outputs[stack][key])
        except KeyError:
            raise MissingOutput(f"the {stack} stack has no output {key} (yet)") from None

    return PLACEHOLDER.sub(output, value)


def zappa_settings(name, outputs, complete=True, described=None):
    """The Zappa settings of stage `name` with `outputs` ({"data": {...}, "database": {...},
    "edge": {...}}). `complete=False` (packaging without stacks, e.g. offline): events whose
    source is not made yet are left out instead of failing; the package does not use them."""
    described = described or description()
    own = stage(name, described)
    settings = {
        "project_name": own["project"],
        "aws_region": own["region"],
        **json.loads(json.dumps(described["zappa"])),
        **own.get("zappa", {}),
    }
    bucket = outputs.get("data", {}).get("DeploymentBucketName")
    if bucket:
        # Zappa uploads its API Gateway template there (the code goes straight to Lambda).
        settings["s3_bucket"] = bucket
    events = []
    for event in settings.get("events", []):
        try:
            events.append(_resolve(event, outputs))
        except MissingOutput:
            if complete:
                raise
    settings["events"] = events
    variables = {
        **described.get("environment", {}),
        **own.get("environment", {}),
        "SSM_PREFIX": f"/{own['project']}/{name}/",
        # Behind CloudFront the Host is API Gateway's own (CloudFront does not forward Host).
        "ALLOWED_HOSTS": f".execute-api.{own['region']}.amazonaws.com",
        "DEFAULT_FROM_EMAIL": own["sender"],
    }
    if own.get("secrets_extension", False):
        # The function reads its secrets through the extension (blog/ssm.py); the variable
        # (the extension's own setting, at its default) is how it knows the extension is there.
        settings["layers"] = [*settings.get("layers", []), secrets_extension_layer(own["region"])]
        variables["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] = "2773"
    settings["aws_environment_variables"] = dict(sorted(environment(variables, outputs).items()))
    return settings


def fingerprint(settings):
    """A digest of one stage's settings: the deploy tags the function with it, so a later run
    knows whether Zappa has anything to change."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:32]


def write(name, settings, path=SETTINGS_FILE):
    """Put stage `name`'s settings into zappa_settings.json (other stages stay). True if the
    file changed."""
    path = Path(path)
    everything = json.loads(path.read_text()) if path.exists() else {}
    before = json.dumps(everything, indent=4, sort_keys=True)
    everything[name] = settings
    after = json.dumps(everything, indent=4, sort_keys=True)
    if after != before:
        path.write_text(after + "\n")
    return after != before


def main(argv=None):
    from deploy import stacks

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit("usage: python -m deploy.settings <stage>")
    name = argv[0]
    try:
        own = stage(name)
        outputs = stacks.stage_outputs(own)
        settings = zappa_settings(name, outputs)
    except DescriptionError as error:
        sys.exit(f"error: {error}")
    changed = write(name, settings)
    print(f"zappa_settings.json: stage {name} {'written' if changed else 'unchanged'}")


if __name__ == "__main__":
    main()
