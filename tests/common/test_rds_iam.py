"""The database stack's PostgreSQL as the function reaches it: no password anywhere, an IAM
token signed for each new connection (common/rds_iam), TLS required; and the login role the
deployer makes for it (deploy/database.py). Against the PostgreSQL on 127.0.0.1:5432 when one
answers (trust authentication there accepts any password, so the token's shape is checked
separately); skipped otherwise."""

import json
import os
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import boto3
import psycopg
import pytest
from psycopg import sql

from common import aws
from deploy.database import ensure_app_user

ROOT = Path(__file__).resolve().parents[2]
LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"


def local_postgres():
    try:
        psycopg.connect(LOCAL, connect_timeout=2).close()
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")


def settings_of(**env):
    """blog.settings' DATABASES as a fresh process reads them from `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import json; from blog import settings; print(json.dumps(settings.DATABASES['default'], default=str))"],
        cwd=ROOT, env={**clean, "DEBUG": "true", **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_database_stacks_outputs_select_iam_authentication_over_tls():
    database = settings_of(DATABASE_HOST="blog-prod.abc.eu-west-1.rds.amazonaws.com", DATABASE_PORT="5432",
                           DATABASE_NAME="blog", DATABASE_USER="blog_app")  # fmt: skip
    assert database["ENGINE"] == "common.rds_iam"
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"]) == (
        "blog-prod.abc.eu-west-1.rds.amazonaws.com", 5432, "blog", "blog_app",
    )  # fmt: skip
    assert database["OPTIONS"]["sslmode"] == "require"
    assert "PASSWORD" not in database or not database["PASSWORD"]
    pinned = settings_of(DATABASE_HOST="h.rds.amazonaws.com", DATABASE_SSLMODE="verify-full",
                         DATABASE_SSLROOTCERT="/var/task/rds-ca.pem")  # fmt: skip
    assert pinned["OPTIONS"]["sslmode"] == "verify-full"
    assert pinned["OPTIONS"]["sslrootcert"] == "/var/task/rds-ca.pem"


def test_a_database_url_wins_over_the_stacks_outputs():
    """A stage that brings its own database (SSM database-url), and the rehearsal, which cannot
    reach moto's RDS, use the URL."""
    database = settings_of(
        DATABASE_HOST="h.rds.amazonaws.com", DATABASE_URL="postgres://u:p@db.example.org:5432/x"
    )
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["HOST"] == "db.example.org"


def wrapper(**overrides):
    from common.rds_iam.base import DatabaseWrapper

    settings = {
        "ENGINE": "common.rds_iam", "NAME": "postgres", "USER": "postgres", "PASSWORD": "", "HOST": "127.0.0.1",
        "PORT": 5432, "OPTIONS": {"sslmode": "disable"}, "TIME_ZONE": None, "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False, "TEST": {}, **overrides,
    }  # fmt: skip
    return DatabaseWrapper(settings, alias="iam")


@pytest.fixture
def role_credentials(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "ASIAEXAMPLEROLE", "AWS_SECRET_ACCESS_KEY": "secret",
                        "AWS_SESSION_TOKEN": "session", "AWS_DEFAULT_REGION": "eu-west-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # boto3's default session keeps the credentials it first found (another test's).
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    from common.rds_iam.base import _session

    _session.cache_clear()
    aws.forget_clients()
    yield
    _session.cache_clear()
    aws.forget_clients()


def test_the_token_is_the_one_the_rds_client_would_sign(role_credentials, monkeypatch):
    """The backend signs without an RDS client; at the same instant, with the same
    credentials, its token is botocore's own `generate_db_auth_token`, field for field."""
    import datetime

    import botocore.auth

    from common.rds_iam.base import auth_token

    instant = datetime.datetime(2026, 11, 30, 12, 0, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: instant)
    host = "blog-prod.abc.eu-west-1.rds.amazonaws.com"
    ours = auth_token(host, "5432", "blog_app")
    theirs = boto3.client("rds").generate_db_auth_token(DBHostname=host, Port=5432, DBUsername="blog_app")

    def fields(token):
        where, _, query = token.partition("/?")
        return where, urllib.parse.parse_qs(query, strict_parsing=True)

    assert fields(ours) == fields(theirs)
    assert "X-Amz-Signature" in fields(ours)[1]


def test_each_connection_gets_a_token_signed_for_its_host_user_and_region(role_credentials, monkeypatch):
    import common.rds_iam.base as backend

    signed = []
    monkeypatch.setattr(
        backend, "auth_token", lambda *a, real=backend.auth_token: signed.append(a) or real(*a)
    )
    database = wrapper(HOST="blog-prod.abc.eu-west-1.rds.amazonaws.com", USER="blog_app")
    token = database.get_connection_params()["password"]
    database.get_connection_params()
    assert len(signed) == 2, "a new token for every new connection (each lives 15 minutes)"
    host, _, query = token.partition("/?")
    assert host == "blog-prod.abc.eu-west-1.rds.amazonaws.com:5432"
    fields = urllib.parse.parse_qs(query)
    assert fields["Action"] == ["connect"] and fields["DBUser"] == ["blog_app"]
    assert fields["X-Amz-Expires"] == ["900"]
    assert fields["X-Amz-Credential"][0].startswith("ASIAEXAMPLEROLE/")
    assert fields["X-Amz-Credential"][0].endswith("/eu-west-1/rds-db/aws4_request")
    assert fields["X-Amz-Security-Token"] == ["session"]


def test_django_connects_with_the_token_as_its_password(role_credentials, django_db_blocker):
    local_postgres()
    database = wrapper()
    try:
        with django_db_blocker.unblock(), database.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == ("postgres",)
    finally:
        database.close()


def test_the_deployer_makes_the_apps_login_role_once():
    """The app's role logs in, is granted rds_iam (IAM tokens only) and owns its database, so
    migrations can create their tables; a second run changes nothing."""
    local_postgres()
    suffix = uuid.uuid4().hex[:8]
    database, user = f"blog_iam_{suffix}", f"blog_app_{suffix}"
    with psycopg.connect(LOCAL, autocommit=True) as admin:
        # RDS has this role; a plain PostgreSQL does not.
        admin.execute("DO $$ BEGIN CREATE ROLE rds_iam; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        master = f"postgresql://postgres@127.0.0.1:5432/{database}"
        assert ensure_app_user(master, database, user) is True
        assert ensure_app_user(master, database, user) is False
        with psycopg.connect(master) as connection:
            assert connection.execute(
                "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (user,)
            ).fetchone() == (True,)
            members = connection.execute(
                "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s", (user,),
            ).fetchall()  # fmt: skip
            assert ("rds_iam",) in members
            owner = connection.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,)
            )
            assert owner.fetchone() == (user,)
        with psycopg.connect(f"postgresql://{user}@127.0.0.1:5432/{database}") as app:
            app.execute("CREATE TABLE migrated (id integer)")
    finally:
        with psycopg.connect(LOCAL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))
