"""The rehearsal, set up once for its module: the package built as ops build it, an AWS made
from the project's templates with IAM enforced, and one warm container of the function under
its own role."""

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

import pytest

from deploy.stack_outputs import environment
from tests.rehearsal.account import REGION, AwsServer, collect_static, deploy
from tests.rehearsal.lambda_service import Lambda, runtime_libraries

ROOT = Path(__file__).resolve().parents[2]
STAGE = "dev"


def zappa_stage(name):
    settings = json.loads((ROOT / "zappa_settings.json").read_text())
    config = dict(settings[name])
    parent = config.pop("extends", None)
    return {**zappa_stage(parent), **config} if parent else config


def database_url(work):
    """SQLite in the container's /tmp, or, when the suite runs on PostgreSQL, a database of
    the rehearsal's own there (the packaged psycopg is exercised too)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{work}/db.sqlite3"
    base, _, name = url.rpartition("/")
    own = f"{name}_rehearsal"
    for statement in (f"DROP DATABASE IF EXISTS {own}", f"CREATE DATABASE {own}"):
        subprocess.run(["psql", f"{base}/postgres", "-qc", statement], check=True, capture_output=True)
    return f"{base}/{own}"


@dataclass
class Rehearsal:
    account: object
    function: Lambda
    zip_path: Path
    tree: Path
    files_before: set
    make_container: object
    containers: list
    expected_failures: list


def function_environment(account, tree, work):
    """What Lambda gives the function: its configuration's variables (zappa_settings.json's,
    resource names from the stacks), the role's session, the region; nothing of this test run."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(tree),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": account.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "2048",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # The only stand-in: every AWS call goes to the rehearsal's moto server.
        "AWS_ENDPOINT_URL": account.server.url,
        # /var/task is read-only on Lambda; no .pyc is written there.
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(work),
        **account.function.environment(),
        **environment(zappa_stage(STAGE)["aws_environment_variables"], account.outputs),
    }


@pytest.fixture(scope="module")
def rehearsal():
    # A folder of its own, not pytest's numbered ones: those are rotated by any other pytest
    # run on the machine, which could delete the package tree under a running container.
    root = Path(tempfile.mkdtemp(prefix="blog-rehearsal-"))
    try:
        yield from _rehearse(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _rehearse(root):
    from deploy.package import build

    def folder(name):
        (root / name).mkdir()
        return root / name

    zip_path = build(STAGE, folder("build") / f"blog-{STAGE}.zip")
    tree = folder("package")
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tree)
    files_before = {p.relative_to(tree) for p in tree.rglob("*")}
    work = folder("container-tmp")
    libraries = runtime_libraries(folder("runtime") / "lib")

    server = AwsServer(work / "aws-server.log")
    containers = []
    try:
        sender = parseaddr(zappa_stage(STAGE)["aws_environment_variables"]["DEFAULT_FROM_EMAIL"])[1]
        account = deploy(
            server,
            STAGE,
            database_url=database_url(work),
            secret_key="rehearsal-" + "k" * 40 + "#Q7!",
            sender_domain=sender.rpartition("@")[2],
            site_origin=zappa_stage(STAGE)["aws_environment_variables"]["SITE_URL"],
        )
        collect_static(account, folder("deployer"))
        env = function_environment(account, tree, work)

        def make_container(name="container"):
            container = Lambda(account, tree, libraries, env, work / f"{name}.log", zappa_stage(STAGE))
            containers.append(container)
            return container

        function = make_container()
        yield Rehearsal(account, function, zip_path, tree, files_before, make_container, containers, [])
    finally:
        for container in containers:
            container.stop()
        server.stop()
