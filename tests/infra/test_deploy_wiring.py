"""The wiring between stacks: every value one stack imports is one the data stack exports
(CloudFormation refuses the stack otherwise, at deploy time); every output deploy/ reads
exists in its template; the certificate is made where CloudFront takes it."""

import re

from deploy.stack_outputs import OUTPUT_FOR_VARIABLE
from deploy.stacks import GLOBAL_KINDS, TEMPLATES
from tests.infra.cfn import load


def imports(node):
    found = set()
    if isinstance(node, dict):
        if "Fn::ImportValue" in node:
            text = node["Fn::ImportValue"]["Fn::Sub"]
            found.add(re.fullmatch(r"\$\{DataStackName\}-(\w+)", text).group(1))
        for value in node.values():
            found |= imports(value)
    elif isinstance(node, list):
        for value in node:
            found |= imports(value)
    return found


def exports(template):
    return {
        key for key, output in template["Outputs"].items()
        if output.get("Export", {}).get("Name") == {"Fn::Sub": f"${{AWS::StackName}}-{key}"}
    }  # fmt: skip


def test_every_output_the_function_is_given_exists():
    for variable, (kind, key) in OUTPUT_FOR_VARIABLE.items():
        assert key in load(TEMPLATES[kind])["Outputs"], variable


def test_what_the_deploy_reads_of_each_stack_exists():
    outputs = {kind: set(load(path)["Outputs"]) for kind, path in TEMPLATES.items()}
    assert {"DeploymentBucketName", "MediaBucketArn", "StaticBucketName", "FunctionRoleArn"} <= outputs[
        "data"
    ]
    assert {"PublicBaseUrl", "DistributionDomainName", "PublicDomainName", "DistributionId"} <= outputs[
        "edge"
    ]
    assert {"MasterSecretArn", "DatabaseInstanceId"} <= outputs["database"]
    assert "CertificateArn" in outputs["certificate"] and "WebAclArn" in outputs["waf"]


def test_certificate_and_web_acl_are_made_in_us_east_1():
    assert set(GLOBAL_KINDS) == {"certificate", "waf"}
    certificate = load(TEMPLATES["certificate"])["Resources"]["Certificate"]["Properties"]
    assert certificate["ValidationMethod"] == "DNS"
