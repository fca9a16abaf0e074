"""No token and no address in any log line: every line that failed (and some successful)
confirm, unsubscribe and subscribe requests produce is read back, Django's own lines
included (`Bad Request: /confirm/<token>/`, the development server's request lines).

Two ways in: the development server itself (`manage.py runserver`, as `make run` starts it),
whose whole output is read; and the app in this process with DEBUG off, as on Lambda, read
through the handlers the logging configuration installed."""

import io
import json
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core import signing

from tests.devserver import runserver
from welcome import tokens

ROOT = Path(__file__).resolve().parents[2]
KEY = "log-privacy-test-key-" + "x" * 40
ADDRESS = "jane.doe@mailbox.test"
OTHER = "rick.tester@mailbox.test"


def _tokens(key):
    """(name, token) pairs: good and bad tokens naming the addresses."""
    good_confirm = signing.dumps(
        {"email": ADDRESS, "entry": "2020-01-01T00:00:00+00:00"}, key=key, salt=tokens.CONFIRM_SALT
    )
    good_unsubscribe = signing.dumps(OTHER, key=key, salt=tokens.UNSUBSCRIBE_SALT)
    forged = signing.dumps(ADDRESS, key="not-the-key-" + "y" * 40, salt=tokens.UNSUBSCRIBE_SALT)
    return {
        "confirm for a missing entry": good_confirm,
        "unsubscribe": good_unsubscribe,
        "forged unsubscribe": forged,
        "truncated confirm": good_confirm[:-5],
    }


def _requests(tokens_by_name):
    """(method, path, body, headers) of the requests to make."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    as_json = {"Content-Type": "application/json"}
    return [
        ("POST", f"/confirm/{tokens_by_name['confirm for a missing entry']}/", b"", form),  # 404
        ("GET", f"/confirm/{tokens_by_name['truncated confirm']}/", None, {}),  # 400
        ("GET", f"/unsubscribe/{tokens_by_name['forged unsubscribe']}/", None, {}),  # 400
        ("POST", f"/unsubscribe/{tokens_by_name['forged unsubscribe']}/", b"", form),  # 400
        ("GET", f"/unsubscribe/{tokens_by_name['unsubscribe']}/", None, {}),  # 200
        ("POST", "/subscribe/", f"email={ADDRESS.replace('@', '@@')}".encode(), form),  # 400
        ("POST", "/subscribe/", f"email=j%C3%A4ne.doe%40mailbox.test&x={OTHER}".encode(), form),  # 400
        (
            "POST",
            "/api/v1/subscribers/",
            json.dumps({"email": ADDRESS + ".."}).encode(),
            as_json,
        ),  # 400
        (
            "POST",
            "/api/v1/subscribers/",
            json.dumps({"email": ADDRESS}).encode(),
            {**as_json, "Origin": "https://evil.example"},
        ),  # 403 cross-site
    ]


def _secrets(tokens_by_name):
    """What must appear in no line: each token and its signed payload, each address, and
    each address's local part and domain."""
    found = set(tokens_by_name.values())
    found |= {token.split(":")[0] for token in tokens_by_name.values()}
    for address in (ADDRESS, OTHER):
        found |= {address, *address.split("@")}
    return found


def _assert_clean(output, secrets):
    leaks = sorted({secret for secret in secrets if secret in output})
    lines = [line for line in output.splitlines() if any(secret in line for secret in leaks)]
    assert not leaks, "log lines carry a token or an address:\n" + "\n".join(lines[:20])


def _send(base, method, path, body, headers):
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_development_server_logs_no_token_and_no_address(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS", "SUBSCRIBERS_TABLE"}
    }
    env.update(DEBUG="true", SECRET_KEY=KEY, VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1", LOCAL_EVENTS="true")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    log = tmp_path / "server.log"
    with runserver(env, log) as base:
        tokens_by_name = _tokens(KEY)
        statuses = [_send(base, *request) for request in _requests(tokens_by_name)]
    assert statuses == [404, 400, 400, 400, 200, 400, 400, 400, 403], log.read_text()
    output = log.read_text()
    assert "Bad Request: /confirm/" in output, "Django's own 4xx lines are in the output"
    assert '"GET /unsubscribe/' in output, "and the development server's request lines"
    _assert_clean(output, _secrets(tokens_by_name))


@pytest.mark.django_db
def test_on_lambda_settings_no_line_carries_a_token_or_an_address(client, settings, capsys, monkeypatch):
    """DEBUG off, as on Lambda: Django's `Bad Request`/`Not Found` lines, the welcome app's own
    lines and the structured outcome lines, read through the installed handlers."""
    monkeypatch.setenv("LOCAL_EVENTS", "false")
    buffer = io.StringIO()
    handlers = {h for name in ("", "django", "welcome") for h in logging.getLogger(name).handlers}
    handlers |= set(logging.getLogger("django.server").handlers)
    # The configured handlers only (pytest's own capture handlers are StreamHandler subclasses).
    previous = {
        handler: handler.setStream(buffer) for handler in handlers if type(handler) is logging.StreamHandler
    }
    assert previous, "the logging configuration installs stream handlers"
    try:
        tokens_by_name = _tokens(settings.SECRET_KEY)
        statuses = []
        for method, path, body, headers in _requests(tokens_by_name):
            extra = {
                f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"
            }
            content_type = headers.get("Content-Type", "application/octet-stream")
            if method == "GET":
                response = client.get(path, **extra)
            else:
                response = client.generic(method, path, body or b"", content_type=content_type, **extra)
            statuses.append(response.status_code)
    finally:
        for handler, stream in previous.items():
            handler.setStream(stream)
    assert statuses == [404, 400, 400, 400, 200, 400, 400, 400, 403]
    output = buffer.getvalue() + capsys.readouterr().out
    assert "Bad Request: /confirm/" in output and "Not Found: /confirm/" in output
    assert "event_source=http" in output
    _assert_clean(output, _secrets(tokens_by_name))
