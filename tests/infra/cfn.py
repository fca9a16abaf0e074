"""The CloudFormation templates as CloudFormation reads them, and what moto can make of them."""

import re
from collections import ChainMap
from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

INFRA = Path(__file__).resolve().parents[2] / "infra"
DATA_TEMPLATE = INFRA / "data.yaml"
EDGE_TEMPLATE = INFRA / "edge.yaml"
DATABASE_TEMPLATE = INFRA / "database.yaml"
CERTIFICATE_TEMPLATE = INFRA / "certificate.yaml"
DEPLOYER_TEMPLATE = INFRA / "deployer.json"
ALARMS_TEMPLATE = INFRA / "alarms.yaml"
WAF_TEMPLATE = INFRA / "waf.yaml"

TEMPLATES = {"data": DATA_TEMPLATE, "edge": EDGE_TEMPLATE, "alarms": ALARMS_TEMPLATE, "waf": WAF_TEMPLATE}

# The names the tests deploy under: what the README's commands use for the prod stage.
REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's
DATA_STACK = "blog-data-prod"
FUNCTION = "blog-prod"

# moto warns once per resource type it skips (SES, policies, CloudFront), whenever it parses
# the template: at creation and again for each read of the outputs.
moto_skips_unknown_types = pytest.mark.filterwarnings(
    "ignore:Tried to parse .* but it.s not supported by moto:UserWarning"
)

PSEUDO_PARAMETERS = {"AWS::AccountId", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackName"}


def load(path: Path) -> dict:
    """The template with its short-form tags (!Ref, !Sub...) in their long form ({"Ref": ...})."""
    return cfn_yaml.load(str(path))


def loaded() -> dict[str, dict]:
    """Every template, loaded, by its short name (data, edge, alarms, waf)."""
    return {name: load(path) for name, path in TEMPLATES.items()}


def zappa_stages() -> dict[str, dict]:
    """Each stage's Zappa settings as `make deploy` writes them (deploy/settings.py, from
    stages.toml), given the outputs the data stack gives that stage."""
    from deploy.settings import description, zappa_settings

    described = description()
    project = described["project_name"]
    stages = {}
    for name in described["stages"]:
        data = {
            "SesConfigurationSetName": f"{project}-{name}",
            "MediaBucketArn": f"arn:aws:s3:::{project}-{name}-media-{ACCOUNT}-{REGION}",
        }
        stages[name] = zappa_settings(name, {"data": data}, complete=False, described=described)
    return stages


def references(node) -> set[str]:
    """Every logical id or parameter `node` names through Ref, Fn::GetAtt or Fn::Sub."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                names = {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                found |= names - set(variables)
                found |= references(variables)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def decided(node, conditions: dict[str, bool]):
    """`node` with every `Fn::If` on one of `conditions` replaced by the branch it takes."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"} and node["Fn::If"][0] in conditions:
            name, when_true, when_false = node["Fn::If"]
            return decided(when_true if conditions[name] else when_false, conditions)
        return {key: decided(value, conditions) for key, value in node.items()}
    if isinstance(node, list):
        return [decided(item, conditions) for item in node]
    return node


def moto_subset(
    template: dict, made: dict[str, str] | None = None, conditions: dict[str, bool] | None = None
) -> dict:
    """`template` with only the resources moto's CloudFormation can make, and the outputs
    that name nothing else.

    moto skips a resource type it does not know, but an output or attribute naming one fails
    the whole stack (edge.yaml's outputs name the CloudFront distribution). Every kept
    resource must name only kept resources and parameters, so nothing is silently dropped
    from what a kept resource means.

    `made`: resources moto's CloudFormation cannot make but the caller made through their
    service's API (a CloudFront distribution, an SES configuration set), by logical id: each
    becomes a parameter of the same name whose value is the made resource's id, so `!Ref`
    and `${...}` of it resolve to the real thing.

    `conditions`: the value of conditions the caller's parameters decide (IsGlobal is false
    without replica regions): resources under a false one are left out, and `Fn::If` on one
    keeps only the branch taken.
    """
    from moto.cloudformation.parsing import get_model_map

    supported = get_model_map()
    made = made or {}
    conditions = conditions or {}
    template = decided(template, conditions)
    resources = {
        name: r for name, r in template["Resources"].items() if conditions.get(r.get("Condition"), True)
    }
    kept = {name: r for name, r in resources.items() if r["Type"] in supported}
    parameters = dict(template.get("Parameters", {}))
    for name in made:
        assert name in template["Resources"] and name not in kept, name
        parameters[name] = {"Type": "String", "Default": made[name]}
    known = set(kept) | set(parameters) | PSEUDO_PARAMETERS
    for name, resource in kept.items():
        dangling = references(resource) - known
        assert not dangling, f"{name} names resources moto cannot make: {sorted(dangling)}"
    # moto looks an output's Ref up among the resources only: one naming a made resource is
    # left out (the caller knows that id already).
    outputs = {k: o for k, o in template.get("Outputs", {}).items() if references(o) <= known - set(made)}
    return {**template, "Parameters": parameters, "Resources": kept, "Outputs": outputs}


def create_stack(cfn, name: str, body: str, **parameters) -> dict[str, str]:
    """Create the stack in moto, check it completed, and return its outputs by key."""
    cfn.create_stack(
        StackName=name,
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    [stack] = cfn.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs", [])}


def arguments_of(function: str, node):
    """Every argument `function` (say "Fn::ImportValue") is given anywhere in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from [value] if key == function else arguments_of(function, value)
    elif isinstance(node, list):
        for item in node:
            yield from arguments_of(function, item)


def imported_outputs(node) -> set[str]:
    """The data stack's outputs `node` imports (`Fn::ImportValue` of "${DataStackName}-<Output>")."""
    found = set()
    for value in arguments_of("Fn::ImportValue", node):
        name = value.get("Fn::Sub") if isinstance(value, dict) else value
        assert isinstance(name, str) and name.startswith("${DataStackName}-"), value
        found.add(name.removeprefix("${DataStackName}-"))
    return found


def evaluate(node, values: dict, conditions: dict[str, bool] | None = None):
    """`node` with CloudFormation's intrinsic functions worked out. `values`: what `Ref`,
    `Fn::GetAtt` ("Name.Attribute") and `Fn::ImportValue` (the export's name) give. A list
    loses its `AWS::NoValue` items, as CloudFormation drops them."""
    conditions = conditions or {}
    if isinstance(node, list):
        items = [evaluate(item, values, conditions) for item in node]
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(node, dict):
        return node
    if len(node) != 1 or not next(iter(node)).startswith(("Fn::", "Ref", "Condition")):
        items = {key: evaluate(value, values, conditions) for key, value in node.items()}
        return {key: value for key, value in items.items() if value is not NO_VALUE}
    [(function, argument)] = node.items()
    if function == "Ref":
        return NO_VALUE if argument == "AWS::NoValue" else values[argument]
    if function == "Fn::GetAtt":
        name, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        return values[f"{name}.{attribute}"]
    if function == "Fn::ImportValue":
        return values[evaluate(argument, values, conditions)]
    if function == "Fn::Sub":
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        known = ChainMap({k: evaluate(v, values, conditions) for k, v in variables.items()}, values)
        return re.sub(r"\$\{([^!}][^}]*)\}", lambda m: str(known[m.group(1)]), text)
    if function == "Fn::Select":
        index, items = (evaluate(a, values, conditions) for a in argument)
        return items[int(index)]
    if function == "Fn::Split":
        separator, text = (evaluate(a, values, conditions) for a in argument)
        return text.split(separator)
    if function == "Fn::Join":
        separator, items = (evaluate(a, values, conditions) for a in argument)
        return separator.join(items)
    if function == "Fn::Equals":
        first, second = (evaluate(a, values, conditions) for a in argument)
        return first == second
    if function == "Fn::Not":
        return not evaluate(argument[0], values, conditions)
    if function == "Fn::And":
        return all(evaluate(a, values, conditions) for a in argument)
    if function == "Fn::Or":
        return any(evaluate(a, values, conditions) for a in argument)
    if function == "Fn::If":
        name, when_true, when_false = argument
        return evaluate(when_true if conditions[name] else when_false, values, conditions)
    if function == "Condition":
        return conditions[argument]
    raise NotImplementedError(function)


NO_VALUE = object()


def decide_conditions(template: dict, values: dict) -> dict[str, bool]:
    """Every condition of `template`, for the parameters in `values`."""
    decided: dict[str, bool] = {}
    pending = dict(template.get("Conditions", {}))
    while pending:
        for name, node in list(pending.items()):
            try:
                decided[name] = evaluate(node, values, decided)
            except KeyError:
                continue  # names a condition not decided yet
            del pending[name]
    return decided


def resource_policies(template: dict):
    """(logical id, statement) for every statement of a resource-based policy: buckets,
    queues and topics, and each Lambda permission as the statement it adds."""
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] in {"AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"}:
            for statement in properties["PolicyDocument"]["Statement"]:
                yield name, statement
        elif resource["Type"] == "AWS::Lambda::Permission":
            condition = {}
            if "SourceArn" in properties:
                condition.setdefault("ArnLike", {})["AWS:SourceArn"] = properties["SourceArn"]
            if "SourceAccount" in properties:
                condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = properties["SourceAccount"]
            principal = properties["Principal"]
            yield (
                name,
                {
                    "Effect": "Allow",
                    "Principal": principal if principal == "*" else {"Service": principal},
                    "Action": properties["Action"],
                    "Condition": condition,
                },
            )
