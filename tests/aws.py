"""moto standing in for AWS, the one way every test sets it up."""

import contextlib

from moto import mock_aws


@contextlib.contextmanager
def mocked_aws(monkeypatch, region="eu-west-1"):
    """moto's AWS in `region`, with fake credentials, so no client made inside can ever reach
    a real account (nor pick up the developer's profile)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield
