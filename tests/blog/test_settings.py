"""Settings from the environment: safe local defaults, and a clear refusal to start in
production without the values that must not be guessed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Qw9!zR2@mT5&vB8^nL1*pX4(sD6)fG3_hJ0+cV" * 2,
    "ALLOWED_HOSTS": "blog.example.com",
}


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "blog.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    """With DEBUG off, a missing SECRET_KEY or ALLOWED_HOSTS stops start-up and names it."""
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is not set" in result.stderr


@pytest.mark.parametrize("where", [{}, {"AWS_LAMBDA_FUNCTION_NAME": "blog-prod"}])
def test_debug_is_off_unless_asked_for(where):
    """Wherever the server starts (a shell, gunicorn, Lambda), DEBUG is off unless DEBUG=true
    asks for it, so without a secret key start-up fails instead of signing links with a
    key anyone can read in the repository."""
    result = manage("check", **where)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "DEBUG=true" in result.stderr, "the message says how to start locally"


def test_without_debug_the_given_key_is_used_and_debug_stays_off():
    result = manage(
        "shell", "-c", "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY[:8])",
        SECRET_KEY="given-key-" + "x" * 50, ALLOWED_HOSTS="blog.example.com",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "given-ke"]


def test_check_deploy_reports_nothing():
    """`manage.py check --deploy` is clean on the production settings."""
    result = manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_local_defaults_need_only_debug():
    """With DEBUG=true (what `make run` sets) and nothing else, the local defaults work:
    SQLite, files on disk, email to the console."""
    result = manage(
        "shell", "-c",
        "from django.conf import settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.STORAGES['default']['BACKEND'], s.EMAIL_BACKEND)",
        DEBUG="true",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == [
        "True",
        "django.db.backends.sqlite3",
        "django.core.files.storage.FileSystemStorage",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_on_lambda_the_origin_secret_is_required():
    """On Lambda the site answers only CloudFront: without the origin secret start-up stops
    and says what to set; a stage with no CloudFront in front says so explicitly."""
    lambda_env = {**PRODUCTION, "AWS_LAMBDA_FUNCTION_NAME": "blog-prod"}

    refused = manage("check", **lambda_env)
    assert refused.returncode != 0
    assert "ORIGIN_VERIFY is not set" in refused.stderr

    assert manage("check", **lambda_env, ORIGIN_VERIFY="s3cret").returncode == 0
    assert manage("check", **lambda_env, ORIGIN_LOCK="false").returncode == 0


def test_an_empty_force_script_name_is_kept():
    """Behind CloudFront, FORCE_SCRIPT_NAME="" keeps API Gateway's stage (`/prod`) out of every
    link; an empty value must not read as "unset"."""
    result = manage(
        "shell", "-v", "0", "-c", "from django.conf import settings; print(repr(settings.FORCE_SCRIPT_NAME))",
        FORCE_SCRIPT_NAME="", DEBUG="true",
    )  # fmt: skip
    assert result.stdout.strip() == "''", result.stderr


def test_the_admin_may_send_uploads_to_the_media_bucket_only():
    """The content security policy lets the admin's script post to the media bucket's regional
    address (the direct upload), and to nowhere else."""
    result = manage(
        "shell", "-v", "0", "-c",
        "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src'])",
        **PRODUCTION, MEDIA_BUCKET="blog-prod-media-123456789012-eu-west-1", AWS_REGION="eu-west-1",
    )  # fmt: skip
    assert result.stdout.strip() == (
        "[\"'self'\", 'https://blog-prod-media-123456789012-eu-west-1.s3.eu-west-1.amazonaws.com']"
    ), result.stderr
