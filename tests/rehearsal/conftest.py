"""The rehearsal, set up once for its module: `make deploy STAGE=rehearsal` run twice as the
deployer against a moto server with IAM enforced (the second run must change nothing), then one
warm container of the package it deployed, under the function's own role, configured as the
deploy configured the function."""

import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.rehearsal.account import REGION, AwsServer, load, make_deploy, prepare
from tests.rehearsal.lambda_service import Lambda, runtime_libraries

ROOT = Path(__file__).resolve().parents[2]
STAGE = "rehearsal"


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
    deploys: list  # the output of each `make deploy`
    configuration: dict  # the function's configuration, as the deploy left it


def function_environment(account, configuration, tree, work):
    """What Lambda gives the function: the variables Zappa configured (resource names from the
    stacks), the role's session, the region; nothing of this test run."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(tree),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": account.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(configuration["MemorySize"]),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # The only stand-in: every AWS call goes to the rehearsal's moto server.
        "AWS_ENDPOINT_URL": account.server.url,
        # /var/task is read-only on Lambda; no .pyc is written there.
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(work),
        **account.function.environment(),
        **configuration["Environment"]["Variables"],
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
    def folder(name):
        (root / name).mkdir()
        return root / name

    work = folder("container-tmp")
    libraries = runtime_libraries(folder("runtime") / "lib")
    server = AwsServer(work / "aws-server.log")
    containers = []
    try:
        account = prepare(server, STAGE, database_url(work))
        deployer_home = folder("deployer")
        deploys = [make_deploy(account, deployer_home), make_deploy(account, deployer_home)]
        load(account)
        configuration = account.client("lambda").get_function_configuration(
            FunctionName=account.function_name
        )
        zip_path = ROOT / "build" / f"blog-{STAGE}.zip"
        digest = base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode()
        assert configuration["CodeSha256"] == digest, "the rehearsal runs the package the deploy uploaded"
        tree = folder("package")
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tree)
        files_before = {p.relative_to(tree) for p in tree.rglob("*")}
        env = function_environment(account, configuration, tree, work)

        def make_container(name="container"):
            container = Lambda(account, tree, libraries, env, work / f"{name}.log")
            containers.append(container)
            return container

        function = make_container()
        yield Rehearsal(
            account,
            function,
            zip_path,
            tree,
            files_before,
            make_container,
            containers,
            [],
            deploys,
            configuration,
        )
    finally:
        for container in containers:
            container.stop()
        server.stop()
