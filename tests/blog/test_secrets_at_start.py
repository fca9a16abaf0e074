"""The function's secrets come from SSM when Django starts: through the AWS Parameters and
Secrets extension where it is attached (no boto3 at start-up), else through boto3, with the
same result. A stand-in plays the extension here as AWS documents it (GET on localhost with
the function's session token); the rehearsal proves the boto3 way under the role."""

import json
import os
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest

from blog import ssm
from tests.aws import mocked_aws
from tests.secrets_extension import handler_class

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "/blog/prod/"
TOKEN = "the-functions-session-token"
STORED = {
    PREFIX + "secret-key": "k7#Qw9!zR2@mT5&vB8^nL1*pX4(sD6)fG3_hJ0+cV-from-ssm",
    PREFIX + "log-hash-salt": "salt-from-ssm",
    PREFIX + "origin-verify": "origin-from-ssm",
    PREFIX + "someone-elses": "not ours",
}
EXPORTED = (
    "SECRET_KEY",
    "LOG_HASH_SALT",
    "ORIGIN_VERIFY",
    "ORIGIN_VERIFY_PREVIOUS",
    "DATABASE_URL",
    "SOMEONE_ELSES",
)


@pytest.fixture
def extension():
    """The extension's stand-in on a free port: answers known names, ParameterNotFound for
    others, 401 without the session token. Yields (port, the (name, decrypted) pairs asked for)."""
    asked = []

    def lookup(name, decrypt):
        return {"Name": name, "Value": STORED[name]} if name in STORED else None

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class(lookup, TOKEN, asked))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], asked
    server.shutdown()
    server.server_close()


def start_django(**env):
    """A fresh process that starts Django as the function does (DEBUG off, on Lambda, no secret
    in its environment): what its settings hold, and whether boto3 was imported."""
    clean = {k: v for k, v in os.environ.items() if k not in (*EXPORTED, "DEBUG", "AWS_ENDPOINT_URL")}
    code = (
        "import json, os, sys, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'secret_key': settings.SECRET_KEY, 'origin': settings.ORIGIN_VERIFY, "
        "'salt': os.environ.get('LOG_HASH_SALT'), 'boto3': 'boto3' in sys.modules}))"
    )
    base = {
        "DJANGO_SETTINGS_MODULE": "blog.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "blog.example.com",
        "AWS_LAMBDA_FUNCTION_NAME": "blog-prod",
        "SSM_PREFIX": PREFIX,
        "AWS_SESSION_TOKEN": TOKEN,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_django_starts_with_the_secrets_from_the_extension_and_no_boto3(extension):
    port, asked = extension
    result = start_django(PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=str(port))
    assert result.returncode == 0, result.stderr
    started = json.loads(result.stdout)
    assert started == {
        "secret_key": STORED[PREFIX + "secret-key"],
        "origin": ["origin-from-ssm"],
        "salt": "salt-from-ssm",
        "boto3": False,
    }
    assert sorted(name for name, _ in asked) == sorted(PREFIX + name for name in ssm.PARAMETERS)
    assert all(decrypted for _, decrypted in asked), "SecureStrings are asked for decrypted"


def test_without_the_token_the_extension_refuses_and_start_up_says_so(extension):
    """The extension answers only the function's own session token; a refusal is not taken
    for "no such secret" (here boto3 then fails too: no AWS at all)."""
    port, _ = extension
    result = start_django(
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=str(port),
        AWS_SESSION_TOKEN="someone-else",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL_SSM="http://127.0.0.1:9",  # nothing listens: no real AWS is reached
        AWS_MAX_ATTEMPTS="1",
    )
    assert result.returncode != 0
    assert "did not answer" in result.stderr and "401" in result.stderr


@pytest.fixture
def environ(monkeypatch):
    """os.environ as the test found it afterwards, whatever export_ssm_parameters set."""
    for name in EXPORTED:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("port", ["", "closed"])
def test_through_boto3_the_same_secrets_are_exported(monkeypatch, environ, port):
    """Without the extension, or with it configured but not answering, one read of the path
    through boto3 gives the same variables (and nothing else under the prefix)."""
    if port == "closed":
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = str(sock.getsockname()[1])  # closed again when the block ends
    monkeypatch.setenv(ssm.EXTENSION_PORT, port)
    with mocked_aws(monkeypatch):
        client = boto3.client("ssm")
        for name, value in STORED.items():
            client.put_parameter(Name=name, Value=value, Type="SecureString")
        exported = ssm.export_ssm_parameters(PREFIX)

    assert exported == ["LOG_HASH_SALT", "ORIGIN_VERIFY", "SECRET_KEY"]
    assert os.environ["SECRET_KEY"] == STORED[PREFIX + "secret-key"]
    assert "SOMEONE_ELSES" not in os.environ


def test_a_variable_already_set_wins_over_ssm(monkeypatch, environ, extension):
    port, _ = extension
    monkeypatch.setenv(ssm.EXTENSION_PORT, str(port))
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.setenv("ORIGIN_VERIFY", "set-by-hand")
    ssm.export_ssm_parameters(PREFIX)
    assert os.environ["ORIGIN_VERIFY"] == "set-by-hand"
    assert os.environ["SECRET_KEY"] == STORED[PREFIX + "secret-key"]
