"""The package, proven: `zappa package` builds it offline, and the packaged entry point, run in
a separate Python 3.12 process that imports only from the unpacked package (plus moto and
boto3 from the dev venv, after it, standing in for AWS), handles every kind of event."""

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "events"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    if not CORPUS.exists():
        pytest.skip(f"reference corpus not found at {CORPUS}")
    from deploy.package import build

    zip_path = build("dev", tmp_path_factory.mktemp("build") / "blog-dev.zip")
    tree = tmp_path_factory.mktemp("package")
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tree)
    return zip_path, tree


@pytest.fixture(scope="module")
def report(package, tmp_path_factory):
    _, tree = package
    work = tmp_path_factory.mktemp("work")
    result = subprocess.run(
        [sys.executable, "-S", str(ROOT / "tests" / "deploy" / "package_probe.py"),
         str(tree), sysconfig.get_paths()["purelib"], str(work), str(CORPUS)],
        cwd=work, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-5000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_package_is_small_and_ships_trusted_bytecode(package):
    """Under 25 MB zipped, with no dev tools, no local state, and bytecode that Lambda uses
    without recompiling (unchecked-hash .pyc beside the sources)."""
    zip_path, tree = package
    assert zip_path.stat().st_size < 25 * 2**20
    for absent in (
        "pytest",
        "moto",
        "schemathesis",
        "ruff",
        "boto3",
        "botocore",
        "var",
        "tests",
        "bench",
        "troposphere",
    ):
        assert not (tree / absent).exists(), absent
    pyc = next((tree / "django" / "__pycache__").glob("__init__.cpython-312.pyc"))
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    assert flags == 0b01, "expected a hash-based, unchecked .pyc (PEP 552 flags=1)"


def test_imports_come_from_the_package(report, package):
    """The entry point and Django are the packaged copies."""
    _, tree = package
    assert report["entry_file"].startswith(str(tree))
    assert report["django_file"].startswith(str(tree))


def test_s3_upload_makes_renditions_without_django(report):
    """An S3 put under the upload prefix makes the renditions, and Django is never imported."""
    assert report["s3"]["done"] == 1
    assert "renditions/2026/11/dawn/640.webp" in report["s3"]["renditions"]
    assert report["s3"]["django_loaded"] is False


def test_http_request_for_home_page(report):
    """An API Gateway request for / answers 200 HTML, cacheable by CloudFront."""
    assert report["http"]["status"] == 200
    assert report["http"]["content_type"].startswith("text/html")
    assert report["http"]["has_site_name"]
    assert "s-maxage" in report["http"]["cache_control"]


def test_manage_and_scheduled_events(report):
    """`zappa manage dev migrate` and the schedule run through Zappa's handler."""
    assert report["manage"] == {}
    assert report["schedule"] == {"announced": []}


def test_stream_insert_sends_one_email(report):
    """A DynamoDB stream insert read back from the table's stream sends one welcome email;
    the same batch replayed sends none, and no record is reported failed."""
    assert report["stream"] == {"batchItemFailures": []}
    assert report["stream_replayed"] == {"batchItemFailures": []}
    assert report["emails_sent"] == 1


def test_sns_bounce_suppresses(report):
    """SES's bounce notification over SNS suppresses the bounced address."""
    assert report["bounce_status"] == "suppressed"


def test_unknown_records_raise(report):
    """Records from a source nobody owns raise instead of succeeding silently."""
    assert report["unknown_records"] == "UnknownEvent"
