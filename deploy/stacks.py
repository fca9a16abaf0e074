"""CloudFormation stacks as the deploy makes them: created or updated through a change set
(which says what it will change, or that nothing needs changing), waited for with their events
printed, and read back as outputs.

Every client here is a plain boto3 client: AWS_ENDPOINT_URL (the rehearsal's moto server)
reaches it as it reaches the function's."""

import time
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

INFRA = Path(__file__).resolve().parent.parent / "infra"
TEMPLATES = {
    "data": INFRA / "data.yaml",
    "database": INFRA / "database.yaml",
    "edge": INFRA / "edge.yaml",
    "alarms": INFRA / "alarms.yaml",
    "certificate": INFRA / "certificate.yaml",
    "waf": INFRA / "waf.yaml",
}
# CloudFront's certificate and web ACL live in us-east-1 whatever the stage's region.
GLOBAL_REGION = "us-east-1"
GLOBAL_KINDS = ("certificate", "waf")
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE")
FAILED = ("CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE",
          "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_FAILED", "IMPORT_ROLLBACK_COMPLETE")  # fmt: skip


class StackError(Exception):
    """A stack could not be made as asked; the message says what CloudFormation said."""


def stack_name(stage, kind):
    return f"{stage['project']}-{kind}-{stage['name']}"


def region_of(stage, kind):
    return GLOBAL_REGION if kind in GLOBAL_KINDS else stage["region"]


def cloudformation(region):
    return boto3.client("cloudformation", region_name=region)


def describe(cfn, name):
    """The stack as CloudFormation describes it, or None if there is none."""
    try:
        [stack] = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return None if stack["StackStatus"] == "DELETE_COMPLETE" else stack


def outputs_of(stack):
    return {o["OutputKey"]: o["OutputValue"] for o in (stack or {}).get("Outputs", [])}


def stage_outputs(stage, kinds=("data", "database", "edge")):
    """{kind: {output: value}} of the stage's stacks that exist and are usable."""
    found = {}
    for kind in kinds:
        stack = describe(cloudformation(region_of(stage, kind)), stack_name(stage, kind))
        found[kind] = (
            outputs_of(stack) if stack and stack["StackStatus"] in (*DONE, "UPDATE_ROLLBACK_COMPLETE") else {}
        )
    return found


def deploy(cfn, name, kind, parameters, *, tags=None, capabilities=(), wait=True, say=print):
    """Create or update stack `name` from infra/<kind>.yaml with `parameters`.

    Returns ("created" | "updated" | "unchanged" | "started", outputs). "started": `wait` was
    false and the stack is still being made (a certificate waiting for its DNS validation)."""
    existing = describe(cfn, name)
    if (
        existing
        and existing["StackStatus"].endswith("_IN_PROGRESS")
        and existing["StackStatus"] != "REVIEW_IN_PROGRESS"
    ):
        say(f"  {name}: {existing['StackStatus']}, waiting for it first")
        existing = _wait(cfn, name, say)
    if existing and existing["StackStatus"] in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED"):
        raise StackError(
            f"{name} failed to create earlier ({existing['StackStatus']}); CloudFormation cannot update it. "
            f"Delete it (aws cloudformation delete-stack --stack-name {name} --region {cfn.meta.region_name}) "
            "and deploy again."
        )
    change_type = "UPDATE" if existing and existing["StackStatus"] != "REVIEW_IN_PROGRESS" else "CREATE"
    change_set = f"deploy-{time.strftime('%Y%m%d-%H%M%S')}"
    cfn.create_change_set(
        StackName=name,
        ChangeSetName=change_set,
        ChangeSetType=change_type,
        TemplateBody=TEMPLATES[kind].read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in sorted(parameters.items())],
        Capabilities=list(capabilities),
        Tags=[{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())],
    )
    described = _wait_for_change_set(cfn, name, change_set)
    if described["Status"] == "FAILED":
        reason = described.get("StatusReason", "")
        if any(phrase in reason for phrase in NO_CHANGES):
            cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
            return "unchanged", outputs_of(existing)
        raise StackError(f"{name}: the change set failed: {reason}")
    for change in described.get("Changes", []):
        resource = change.get("ResourceChange", {})
        replacing = " (replaced)" if resource.get("Replacement") == "True" else ""
        say(f"  {name}: {resource.get('Action', '?').lower()} {resource.get('LogicalResourceId')}"
            f" {resource.get('ResourceType', '')}{replacing}")  # fmt: skip
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    if not wait:
        return "started", {}
    stack = _wait(cfn, name, say)
    return ("created" if change_type == "CREATE" else "updated"), outputs_of(stack)


def _wait_for_change_set(cfn, name, change_set):
    for delay in _delays(limit=600):
        described = cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
        if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
            return described
        time.sleep(delay)
    raise StackError(f"{name}: the change set {change_set} took more than 10 minutes")


def _delays(limit):
    """Short waits first (the rehearsal's moto answers at once), then every 10 s."""
    waited = 0
    for delay in (0.2, 0.5, 1, 2, 3, 5):
        yield delay
        waited += delay
    while waited < limit:
        yield 10
        waited += 10


def _wait(cfn, name, say, limit=3600):
    """Wait until the stack is done, printing its events; raise with the failures if it failed."""
    seen = {e["EventId"] for e in _events(cfn, name)}
    for delay in _delays(limit):
        stack = describe(cfn, name)
        for event in reversed([e for e in _events(cfn, name) if e["EventId"] not in seen]):
            seen.add(event["EventId"])
            reason = f": {event['ResourceStatusReason']}" if event.get("ResourceStatusReason") else ""
            say(f"  {name}: {event['LogicalResourceId']} {event['ResourceStatus']}{reason}")
        status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
        if status in DONE or status == "DELETE_COMPLETE":
            return stack
        if status in FAILED:
            failures = [
                f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
                for e in _events(cfn, name)
                if e["ResourceStatus"].endswith("_FAILED")
            ]
            raise StackError(f"{name} is {status}: " + "; ".join(failures[:5]))
        time.sleep(delay)
    raise StackError(f"{name} was not done within {limit // 60} minutes")


def _events(cfn, name):
    try:
        return cfn.describe_stack_events(StackName=name)["StackEvents"][:100]
    except ClientError:
        return []


def delete(cfn, name, say=print):
    """Delete the stack and wait until it is gone. False if there was none."""
    if describe(cfn, name) is None:
        return False
    cfn.delete_stack(StackName=name)
    _wait(cfn, name, say)
    return True


def still_creating(cfn, name):
    stack = describe(cfn, name)
    return bool(stack) and stack["StackStatus"] == "CREATE_IN_PROGRESS"


def physical_id(cfn, name, logical_id):
    try:
        resource = cfn.describe_stack_resource(StackName=name, LogicalResourceId=logical_id)
    except ClientError:
        return None
    return resource["StackResourceDetail"].get("PhysicalResourceId") or None
