"""The plan of the house holds (pyproject.toml's import-linter contracts): common imports
nothing of ours; thumbnails and welcome know neither each other nor blog; blog knows no
dispatch; and no package's modules import each other in a circle. And the contracts bite:
a forbidden import added to a copy of the code breaks them."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("common", "thumbnails", "welcome", "blog", "newsletter", "dispatch")


def lint_imports(where):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
        ],
        cwd=where,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(where)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_the_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("thumbnails/naming.py", "from dispatch import router", "Layers"),
        ("common/aws.py", "import welcome.store", "Layers"),
        ("welcome/store.py", "import blog.models", "Layers"),
        ("blog/services.py", "import newsletter.services", "Layers"),
        ("blog/models.py", "import blog.services", "No circles"),
    ],
)
def test_a_forbidden_import_breaks_them(tmp_path, module, line, broken):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / module).open("a") as source:
        source.write(f"\n{line}  # noqa\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout
