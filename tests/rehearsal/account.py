"""The rehearsal's AWS account, made the way ops make the real one: an administrator gives
the deployer its credentials (with the policies of infra/deployer.json), then
`make deploy STAGE=rehearsal` runs as the deployer against the moto server, twice (the second
run must change nothing). IAM is enforced from the start: every request must be signed by a
principal whose policies allow it, so the deploy's calls, Zappa's and the function's are all
checked.

Three principals: the administrator (the set-up, and the harness's own look at what was
made), the deployer, and the function (the role's session, exactly as Lambda gets it: sts:AssumeRole on the data
stack's role, as AWS's own service, unchecked).

Everything the function is then given comes from what the deploy made, read back from AWS:
its environment from the function's configuration (as Zappa set it), the S3 trigger from the
media bucket's notification configuration, the stream trigger from the event source mapping,
the asynchronous-invocation retries and destination from the function's event invoke config,
the origin secret from SSM, API Gateway's domain from Zappa's API."""

import json
import os
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import requests

from tests.deploy.deployer import policy_documents

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
ACCOUNT = "123456789012"
PROJECT = "blog"


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

    def unchecked_once(self):
        """The next request is not checked (then IAM is enforced again): what AWS's own
        services do, such as Lambda assuming the function's role, which moto cannot play (it
        checks the role's trust policy for a user's principal)."""
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"1", timeout=10).raise_for_status()

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
    outputs: dict = field(default_factory=dict)  # {"data": {...}, "database": {...}, "edge": {...}}
    deployer: Credentials | None = None
    administrator: Credentials | None = None
    function: Credentials | None = None
    ssm_prefix: str = ""
    api_domain: str = ""
    origin_secret: str = ""

    @property
    def function_name(self):
        return f"{PROJECT}-{self.stage}"

    def client(self, service, credentials=None):
        """A client as `credentials`, by default the administrator's (the harness's own view)."""
        credentials = credentials or self.administrator
        return boto3.client(
            service,
            endpoint_url=self.server.url,
            region_name=REGION,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.session_token,
        )


def _unsigned(server, service):
    # Before IAM is switched on moto accepts any signature: the administrator's set-up.
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id="SETUP",
        aws_secret_access_key="x",
    )


def _user(iam, name, policies):
    iam.create_user(UserName=name)
    for number, policy in enumerate(policies, 1):
        iam.put_user_policy(UserName=name, PolicyName=f"policy-{number}", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def prepare(server, stage, database_url):
    """The administrator's part: the deployer, and the rehearsal's own database as the stage's `database-url` (moto's RDS has no PostgreSQL
    behind it: the function's IAM-token connection is tested in tests/blog). Then IAM is on."""
    account = Account(server=server, stage=stage, ssm_prefix=f"/{PROJECT}/{stage}/")
    iam = _unsigned(server, "iam")
    account.deployer = _user(iam, "deployer", policy_documents())
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    account.administrator = _user(iam, "administrator", [everything])
    _unsigned(server, "ssm").put_parameter(
        Name=account.ssm_prefix + "database-url", Value=database_url, Type="SecureString"
    )
    server.enforce_iam()
    return account


def make_deploy(account, work, target="deploy", *extra):
    """`make deploy STAGE=<stage>` (or another target) as the deployer, against the moto
    server. Returns its output."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "AWS_ENDPOINT_URL": account.server.url,
        **account.deployer.environment(),
    }
    result = subprocess.run(
        ["make", "--no-print-directory", target, f"STAGE={account.stage}", *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return result.stdout


def load(account):
    """What the deploy made, read back; then the function's role session."""
    cfn = account.client("cloudformation")
    for kind in ("data", "database", "edge"):
        [stack] = cfn.describe_stacks(StackName=f"{PROJECT}-{kind}-{account.stage}")["Stacks"]
        account.outputs[kind] = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    api = cfn.describe_stack_resource(StackName=account.function_name, LogicalResourceId="Api")
    account.api_domain = (
        f"{api['StackResourceDetail']['PhysicalResourceId']}.execute-api.{REGION}.amazonaws.com"
    )
    account.origin_secret = account.client("ssm").get_parameter(Name=account.ssm_prefix + "origin-verify")[
        "Parameter"
    ]["Value"]
    account.server.unchecked_once()
    session = _unsigned(account.server, "sts").assume_role(
        RoleArn=account.outputs["data"]["FunctionRoleArn"], RoleSessionName=account.function_name,
        DurationSeconds=43200,
    )["Credentials"]  # fmt: skip
    account.function = Credentials(
        session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    )
    return account
