"""AWS in moto for the infra tests: fake credentials, one region, the data stack, and what
`zappa deploy prod` would have made (a role and the function)."""

import io
import zipfile

import boto3
import pytest

from tests.aws import mocked_aws
from tests.infra.cfn import DATA_STACK, DATA_TEMPLATE, FUNCTION, REGION, create_stack


@pytest.fixture
def aws(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def data_stack(aws):
    """The data stack made by moto's CloudFormation from infra/data.yaml; its outputs by key."""
    return create_stack(
        boto3.client("cloudformation"),
        DATA_STACK,
        DATA_TEMPLATE.read_text(),
        SenderDomain="blog.example.com",
        SiteOrigins="https://blog.example.com",
    )


@pytest.fixture
def zappa_function(data_stack):
    """The function Zappa makes (with `manage_roles: false`, under the data stack's role), as
    moto needs it for an event source mapping."""
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return None\n")
    return boto3.client("lambda").create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=data_stack["FunctionRoleArn"],
        Handler="handler.lambda_handler",
        Code={"ZipFile": package.getvalue()},
    )["FunctionArn"]
