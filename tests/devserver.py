"""The development server as `make run` starts it, in a subprocess on a free port of
127.0.0.1, for the tests that must see what a real server logs or serves to a browser."""

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def runserver(env, log, *, port=None, start_seconds=30):
    """`manage.py runserver` with `env`, its output appended to `log`; yields the base URL once
    `/robots.txt` answers, and stops the server when the block ends (`port`: one chosen before,
    when the settings must name the site's own address). A server that exits or
    does not answer in `start_seconds` fails with its log."""
    url = f"http://127.0.0.1:{port or free_port()}"
    with Path(log).open("a") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", url.rsplit("/", 1)[1], "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + start_seconds
            while not _answers(url):
                if server.poll() is not None:
                    raise RuntimeError(
                        f"the server stopped at start-up (exit {server.returncode}):\n{_tail(log)}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the server did not answer on {url} in {start_seconds} s:\n{_tail(log)}"
                    )
                time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def _answers(url):
    try:
        with urllib.request.urlopen(f"{url}/robots.txt", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _tail(log):
    return Path(log).read_text()[-4000:]
