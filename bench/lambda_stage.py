"""What bench/coldstart.py compares and where it runs them: our Lambda package and a bare
Zappa + Django "hello" one, built the same way, and stand-ins for what surrounds a function on
Lambda (the runtime's boto3, S3 as a moto server on 127.0.0.1)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

from deploy.package import ensure_lambda_venv, offline_settings, recompile, zappa_package
from deploy.settings import zappa_settings

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-1"
BUILD = ROOT / "build"
# Hidden directories: `zappa package` walks the project looking for `zappa.websocket` imports
# and skips only hidden and venv-named ones; a visible venv holding Zappa would end up as
# WEBSOCKET_HANDLER_MODULE in every package built from this tree.
BARE_VENV = BUILD / ".bench-bare-venv"
MOTO_DEPS = BUILD / ".bench-moto-server"  # flask + flask-cors: moto's server mode needs them
DEV_SITE = sysconfig.get_paths()["purelib"]
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")

BARE_SETTINGS = """\
SECRET_KEY = "bench-only-not-a-secret-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "hello.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
USE_TZ = True
"""
BARE_URLS = """\
from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("", hello)]
"""
# Of our exclude list, the entries naming our own project's files.
PROJECT_ONLY = {"bench", "infra", "deploy", "var", "build", "node_modules", ".ci", "Makefile"}


def pins(*names):
    found = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() in names:
            found[name.strip().lower()] = version.strip()
    return [f"{name}=={found[name]}" for name in names]


def pip(python, *args):
    done = subprocess.run([python, "-m", "pip", "-q", *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pip {' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")


def build_ours(out):
    """(raw zappa zip, recompiled zip), from one `zappa package`."""
    ensure_lambda_venv()
    raw, fast = out / "blog-dev-raw.zip", out / "blog-dev.zip"
    zappa_package("dev", raw, offline_settings("dev", out))
    shutil.copyfile(raw, fast)
    recompile(fast)
    return raw, fast


def build_bare(out):
    requirements = pins("django", "zappa")
    stamp = BARE_VENV / ".installed"
    if not stamp.exists() or stamp.read_text() != "\n".join(requirements):
        shutil.rmtree(BARE_VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(BARE_VENV)], check=True)
        pip(BARE_VENV / "bin" / "python", "install", *requirements)
        stamp.write_text("\n".join(requirements))
    project = out / "bare"
    (project / "hello").mkdir(parents=True)
    (project / "hello" / "__init__.py").write_text("")
    (project / "hello" / "settings.py").write_text(BARE_SETTINGS)
    (project / "hello" / "urls.py").write_text(BARE_URLS)
    ours = zappa_settings("dev", {}, complete=False)
    stage = {key: ours[key] for key in ("aws_region", "runtime", "architecture", "debug", "log_level")}
    stage.update(
        {
            key: ours[key]
            for key in ("keep_warm", "use_precompiled_packages", "binary_support", "exclude_glob")
        }
    )
    stage.update(
        project_name="hello",
        django_settings="hello.settings",
        s3_bucket="bench-unused",
        exclude=[item for item in ours["exclude"] if item not in PROJECT_ONLY],
    )
    (project / "zappa_settings.json").write_text(json.dumps({"dev": stage}, indent=2))
    bare_zip = out / "bare-dev.zip"
    env = {
        **os.environ,
        "VIRTUAL_ENV": str(BARE_VENV),
        "PATH": f"{BARE_VENV / 'bin'}:{os.environ.get('PATH', '')}",
        "AWS_DEFAULT_REGION": REGION,
    }
    subprocess.run(
        [BARE_VENV / "bin" / "zappa", "package", "dev", "-o", bare_zip],
        cwd=project,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    recompile(bare_zip)
    return bare_zip


def check_generated_settings(zip_path):
    """Stop if Zappa's generated settings hold something that would change the cold start."""
    with zipfile.ZipFile(zip_path) as archive:
        generated = archive.read("zappa_settings.py").decode()
    for line in generated.splitlines():
        if line.startswith(("WEBSOCKET_HANDLER_MODULE", "SLIM_HANDLER=True", "REMOTE_ENV", "ARCHIVE_PATH")):
            sys.exit(f"{zip_path.name}: unexpected `{line}` in the generated zappa_settings.py")


def unpack(zip_path, tree):
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tree)
    return tree


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto(work):
    """moto's server in a process of its own; its flask dependency is installed aside once."""
    probe = subprocess.run([sys.executable, "-c", "import flask, flask_cors"], capture_output=True)
    env = {**os.environ}
    if probe.returncode != 0:
        if not (MOTO_DEPS / "flask_cors").exists():
            pip(sys.executable, "install", "--target", MOTO_DEPS, "flask", "flask-cors")
        env["PYTHONPATH"] = str(MOTO_DEPS)
    port = free_port()
    log = (work / "moto.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
            return server, url
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.kill()
    sys.exit(f"moto server did not start; see its log:\n{(work / 'moto.log').read_text()[-3000:]}")


def lambda_runtime(work):
    """What Lambda's Python runtime puts on the path after the package (boto3 and its
    dependencies), linked from the dev venv, and nothing else from it."""
    runtime = work / "lambda-runtime"
    runtime.mkdir()
    for name in RUNTIME_MODULES:
        (runtime / name).symlink_to(Path(DEV_SITE) / name)
    return str(runtime)


# What the AWS Parameters and Secrets extension does for the function, played by a process of
# its own as on Lambda (tests/secrets_extension.py), answered by one SSM GetParameter per name
# (here moto's, through boto3): every probe is a new container, whose extension has an empty
# cache. Only the function's side of it is timed.
SECRETS_EXTENSION = Path(__file__).resolve().parent.parent / "tests" / "secrets_extension.py"


def start_secrets_extension(work, endpoint, token):
    """The extension's stand-in on a free port, reading SSM from `endpoint`: (process, port)."""
    port = free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    server = subprocess.Popen(
        [sys.executable, SECRETS_EXTENSION, str(port), endpoint, REGION, token], env=env
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.kill()
    sys.exit("the secrets extension stand-in did not start")
