"""On Lambda the cyclic garbage collector is off while the container starts, and once its first
event has been handled what start-up left alive is frozen and collection resumes. Elsewhere
(tests, local servers) the collector is left alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, json
import dispatch.entry as entry
frozen = gc.get_freeze_count()  # the interpreter may freeze a few objects of its own
states = [gc.isenabled()]
for event in ({"Records": [{"eventSource": "aws:nobody"}]}, {"Records": [{"eventSource": "aws:nobody"}]}):
    try:
        entry.handler(event, None)
    except Exception as error:
        kind = type(error).__name__
    states.append([gc.isenabled(), gc.get_freeze_count() > frozen, kind])
print(json.dumps(states))
"""


def run(**env):
    clean = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_on_lambda_the_collector_is_off_until_the_first_event_is_handled_then_frozen():
    """Even a first event that fails ends start-up; the second changes nothing."""
    before, first, second = run(AWS_LAMBDA_FUNCTION_NAME="blog-dev")
    assert before is False
    assert first == [True, True, "UnknownEvent"]
    assert second == [True, True, "UnknownEvent"]


def test_off_lambda_the_collector_is_never_touched():
    before, first, _ = run()
    assert before is True
    assert first == [True, False, "UnknownEvent"]
