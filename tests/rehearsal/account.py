"""The rehearsal's AWS account, made the way ops make the real one, from the project's own
templates: the data stack (buckets, table and stream, queue, SES topic, the function's role
and log group), the SSM parameters, the function, the edge stack (stream trigger, SNS
permission, asynchronous-invocation destination, the role's invalidation grant) and the static
files collected by the deployer. Then IAM is switched on: from there every request must be
signed by a principal whose policies allow it.

Two principals: the deployer (everything, as ops' credentials) and the function (the role's
session, exactly as Lambda gets it: sts:AssumeRole on the data stack's role).

What moto's CloudFormation cannot make is made through its service's API and handed to the
template as the logical resource (`moto_subset(made=...)`): the SES configuration set and the
CloudFront distribution. The distribution's own configuration (origins, behaviours, the
origin header) is not exercised here: tests/infra checks it."""

import io
import json
import subprocess
import sys
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import requests

from tests.infra.cfn import DATA_TEMPLATE, EDGE_TEMPLATE, load, moto_subset

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
ACCOUNT = "123456789012"
PROJECT = "blog"
API_DOMAIN = "abc123xyz0.execute-api.eu-west-1.amazonaws.com"
ORIGIN_SECRET = "rehearsal-origin-secret-3f9c2a"
SINGLE_REGION = {"IsGlobal": False, "IsSingleRegion": True, "HasSecondReplica": False}


class AwsServer:
    """tests/rehearsal/aws_server.py in its own process."""

    def __init__(self, log_path):
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.rehearsal.aws_server"],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def decisions(self):
        return requests.get(f"{self.url}/rehearsal/decisions", timeout=10).json()

    def forget_decisions(self):
        requests.delete(f"{self.url}/rehearsal/decisions", timeout=10)

    def sent_emails(self):
        return requests.get(f"{self.url}/rehearsal/ses-sent", timeout=10).json()

    def browser_post(self, url, fields, data, content_type):
        """A browser's multipart POST of a file to S3 with a presigned POST's fields (the
        bucket's virtual-host address is reached path-style on the stand-in)."""
        parsed = urllib.parse.urlsplit(url)
        bucket = parsed.path.strip("/") or parsed.hostname.split(".", 1)[0]
        files = {"file": ("photo", data, content_type)}
        return requests.post(f"{self.url}/{bucket}", data=fields, files=files, timeout=120)

    def invalidations(self, distribution):
        """The paths of each invalidation of `distribution`, oldest first."""
        return requests.get(f"{self.url}/rehearsal/invalidations", timeout=10).json().get(distribution, [])

    def fail_reads_of(self, bucket, key):
        requests.put(f"{self.url}/rehearsal/faults", json={"bucket": bucket, "key": key}, timeout=10)

    def heal(self):
        requests.delete(f"{self.url}/rehearsal/faults", timeout=10)

    def enforce_iam(self):
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=10)


@dataclass
class Credentials:
    access_key: str
    secret_key: str
    session_token: str | None = None

    def environment(self):
        env = {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


@dataclass
class Account:
    server: AwsServer
    stage: str
    outputs: dict = field(default_factory=dict)  # {"data": {...}, "edge": {...}}
    edge: dict = field(default_factory=dict)  # edge.yaml as CloudFormation reads it
    deployer: Credentials | None = None
    function: Credentials | None = None
    ssm_prefix: str = ""

    @property
    def function_name(self):
        return f"{PROJECT}-{self.stage}"

    def client(self, service, credentials=None):
        credentials = credentials or self.deployer
        return boto3.client(
            service,
            endpoint_url=self.server.url,
            region_name=REGION,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.session_token,
        )


def _unsigned(server, service):
    # Before IAM is switched on moto accepts any signature: the set-up phase.
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id="SETUP",
        aws_secret_access_key="x",
    )


def _stack(server, name, template, **parameters):
    cfn = _unsigned(server, "cloudformation")
    cfn.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    [stack] = cfn.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _placeholder_function_zip():
    # moto needs a function to attach the trigger to; the rehearsal runs the real package
    # itself (moto would need Docker to run code).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("placeholder.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def deploy(server, stage, database_url, secret_key, sender_domain, site_origin):
    """Make the stage's resources as the ops guide does, then switch IAM on. `sender_domain`:
    the SES identity the stage sends from (its DEFAULT_FROM_EMAIL's domain)."""
    account = Account(server=server, stage=stage, ssm_prefix=f"/{PROJECT}/{stage}/")
    name = f"{PROJECT}-{stage}"

    ses = _unsigned(server, "sesv2")
    ses.create_configuration_set(ConfigurationSetName=name)
    ses.create_email_identity(EmailIdentity=sender_domain)  # DNS-verified in AWS
    data = moto_subset(load(DATA_TEMPLATE), made={"ConfigurationSet": name}, conditions=SINGLE_REGION)
    account.outputs["data"] = _stack(
        server,
        f"{PROJECT}-data-{stage}",
        data,
        ProjectName=PROJECT,
        Stage=stage,
        SenderDomain=sender_domain,
        SiteOrigins=site_origin,
    )
    account.outputs["data"]["SesConfigurationSetName"] = name

    ssm = _unsigned(server, "ssm")
    for key, value, kind in (
        ("secret-key", secret_key, "SecureString"),
        ("database-url", database_url, "SecureString"),
        ("log-hash-salt", "rehearsal-salt", "SecureString"),
        ("origin-verify", ORIGIN_SECRET, "String"),
    ):
        ssm.put_parameter(Name=account.ssm_prefix + key, Value=value, Type=kind)

    cloudfront = _unsigned(server, "cloudfront")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": name,
            "Comment": f"{name} (stand-in: moto's CloudFormation cannot make edge.yaml's)",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "api", "DomainName": API_DOMAIN,
                        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
        }
    )["Distribution"]  # fmt: skip
    _unsigned(server, "lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=account.outputs["data"]["FunctionRoleArn"],
        Handler="dispatch.entry.handler",
        Code={"ZipFile": _placeholder_function_zip()},
        Timeout=60,
        MemorySize=2048,
    )
    account.edge = load(EDGE_TEMPLATE)
    edge = moto_subset(account.edge, made={"Distribution": distribution["Id"]})
    account.outputs["edge"] = _stack(
        server,
        f"{PROJECT}-edge-{stage}",
        edge,
        DataStackName=f"{PROJECT}-data-{stage}",
        FunctionName=name,
        ApiDomainName=API_DOMAIN,
        ApiStagePath=f"/{stage}",
        OriginVerifySecret=account.ssm_prefix + "origin-verify",
    )
    account.outputs["edge"]["DistributionId"] = distribution["Id"]

    iam = _unsigned(server, "iam")
    iam.create_user(UserName="deployer")
    iam.put_user_policy(
        UserName="deployer",
        PolicyName="everything",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    account.deployer = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    session = _unsigned(server, "sts").assume_role(
        RoleArn=account.outputs["data"]["FunctionRoleArn"], RoleSessionName=name, DurationSeconds=43200
    )["Credentials"]
    account.function = Credentials(
        session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    )

    server.enforce_iam()
    return account


def collect_static(account, work):
    """`collectstatic` into the static bucket, by the deployer (the function may only read the
    manifest): what the ops guide runs before `zappa update`."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "blog.settings",
        "DEBUG": "true",
        "VAR_DIR": str(work),
        "STATIC_BUCKET": account.outputs["data"]["StaticBucketName"],
        "AWS_ENDPOINT_URL": account.server.url,
        "AWS_DEFAULT_REGION": REGION,
        **account.deployer.environment(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
