"""`make deploy`, `make destroy` and `make settings` refuse clearly what they cannot do, before
touching AWS."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*command):
    # No credentials and an endpoint nobody answers: nothing may reach AWS.
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "none",
        "AWS_SECRET_ACCESS_KEY": "none",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_stage_stages_toml_does_not_describe_is_refused_by_name():
    result = run(sys.executable, "-m", "deploy", "deploy", "staging")
    assert result.returncode == 1
    assert "error: stages.toml describes no stage 'staging'" in result.stderr
    assert "add [stages.staging]" in result.stderr


def test_make_deploy_without_a_stage_says_how_to_call_it():
    result = run("make", "--no-print-directory", "deploy")
    assert result.returncode == 2
    assert "usage: make deploy STAGE=" in result.stderr


def test_destroy_is_refused_for_an_unknown_stage_too():
    result = run(sys.executable, "-m", "deploy", "destroy", "staging", "--delete-data")
    assert result.returncode == 1 and "no stage 'staging'" in result.stderr
