"""../shared/corpus: real AWS events and photos that nobody on this project wrote. Where it sits
beside the repository (in CI) it adds cases to tests that already run on fixtures of our own
(tests/events/, photos made with Pillow); where it does not, nothing skips and nothing is lost.
TEST_CORPUS names another folder: an empty one runs the suite as a bare clone does."""

import os
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("TEST_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")


def files(folder, *patterns):
    """The corpus's files under `folder` matching any of `patterns`, sorted; none without it."""
    where = ROOT / folder
    return sorted({path for pattern in patterns for path in where.glob(pattern) if path.is_file()})


def params(folder, *patterns):
    """`files(...)` as pytest parameters named after the corpus file."""
    return [pytest.param(path, id=f"corpus:{path.relative_to(ROOT)}") for path in files(folder, *patterns)]
