"""Browser journeys: a real server on the embedded defaults, a real Chromium, watched pages.

These tests run only with `E2E=1` (`make e2e` sets it): they start a server, drive Debian's
`chromium` through Playwright and take about a minute, so the unit run (`make test`) reports
them as skipped with that reason instead of paying for them.

- `site_server` (session): a fresh VAR_DIR (SQLite, media, subscriber store, outbox), migrated,
  with a staff editor in the "Editors" group; `manage.py runserver` on a free port on
  127.0.0.1, stopped at the end. Its log is kept in the artifacts folder.
- `browser` (session): Chromium from /usr/bin/chromium (CHROMIUM to override); Playwright's
  own browser downloads are not used.
- `open_page`: a new page in a given viewport whose console errors, uncaught exceptions,
  failed requests and HTTP errors are recorded; a test calls `watch.assert_clean()`, and a
  failing test leaves the page's HTML, a screenshot and the console log behind.

Artifacts (screenshots, failure pages, the server log) go to `var/e2e/` (git-ignored), or
to E2E_ARTIFACTS.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.devserver import free_port, runserver

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "var" / "e2e"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EDITOR_USERNAME = "e2e-editor"
SITE_TIME_ZONE = "Europe/Paris"
OPERATOR_USERNAME = "olive"
EDITOR_PASSWORD = "a long e2e editor passphrase"
E2E_MAX_UPLOAD_MB = 16

VIEWPORTS = {
    # A phone: the browser wants three device pixels per CSS pixel, so it picks a wider rendition.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1},
}

# Environment variables that would point the server at AWS or at another database.
_NOT_INHERITED = (
    "DATABASE_URL",
    "MEDIA_BUCKET",
    "STATIC_BUCKET",
    "SUBSCRIBERS_TABLE",
    "SSM_PREFIX",
    "AWS_LAMBDA_FUNCTION_NAME",
    "EMAIL_BACKEND",
    "WELCOME_SENDER",
    "WELCOME_OUTBOX_DIR",
    "STATIC_URL",
    "MEDIA_URL",
    "FORCE_SCRIPT_NAME",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DJANGO_SETTINGS_MODULE",
)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("E2E") == "1":
        return
    skip = pytest.mark.skip(reason="browser journeys: run them with `make e2e` (E2E=1)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifacts():
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@dataclass
class LiveServer:
    url: str
    var_dir: Path
    log: Path

    @property
    def outbox(self):
        return self.var_dir / "outbox"


def _run(args, env, log):
    with log.open("a") as out:
        out.write(f"$ manage.py {' '.join(args)}\n")
        out.flush()
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
            check=True,
            timeout=120,
        )


@pytest.fixture(scope="session")
def site_server(tmp_path_factory, artifacts):
    """The platform as `make run` serves it (DEBUG on: media and static from disk; the app
    delivers the S3 and DynamoDB stream events itself), on a fresh database."""
    var_dir = tmp_path_factory.mktemp("e2e-var")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env.update(
        DEBUG="true",
        VAR_DIR=str(var_dir),
        LOCAL_EVENTS="true",
        SITE_URL=url,
        PYTHONUNBUFFERED="1",
        # Small enough that a journey can pick a file over it (E2E_MAX_UPLOAD_MB), large enough
        # for the journey's 12 MB camera photo.
        UPLOAD_MAX_BYTES=str(E2E_MAX_UPLOAD_MB * 2**20),
        # A zone that is not UTC, so scheduling "in the site's zone" means something.
        TIME_ZONE=SITE_TIME_ZONE,
    )
    log = artifacts / "server.log"
    _run(["migrate", "--noinput", "-v", "0"], env, log)
    _run(
        [
            "shell",
            "-c",
            "from django.contrib.auth.models import Group, User; "
            f"u = User.objects.create_user({EDITOR_USERNAME!r}, password={EDITOR_PASSWORD!r}, "
            "is_staff=True, first_name='Erin', last_name='Editor'); "
            "u.groups.add(Group.objects.get(name='Editors')); "
            # Who looks after subscribers and events: their own permissions, not the Editors'.
            "from django.contrib.auth.models import Permission; "
            f"o = User.objects.create_user({OPERATOR_USERNAME!r}, password={EDITOR_PASSWORD!r}, is_staff=True); "
            "o.user_permissions.add(*Permission.objects.filter("
            "codename__in=['view_subscribers', 'export_subscribers', 'view_event_journal']))",
        ],
        env,
        log,
    )
    with runserver(env, log, port=port):
        yield LiveServer(url=url, var_dir=var_dir, log=log)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's `chromium` (or set CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What went wrong on a page, as the browser saw it."""

    name: str
    problems: list = field(default_factory=list)
    console: list = field(default_factory=list)
    page: object = None

    def attach(self, page):
        self.page = page
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _admin_favicon(self, url):
        # Django's admin templates link no icon, so Chromium asks for /favicon.ico (once per
        # browser context) on an admin page; the public pages link one (base.html).
        return urlsplit(url).path == "/favicon.ico" and urlsplit(self.page.url).path.startswith("/admin/")

    def _on_console(self, message):
        source = message.location.get("url", "")
        self.console.append(f"[{message.type}] {message.text} ({source})")
        if message.type == "error" and not self._admin_favicon(source):
            self.problems.append(f"console error: {message.text} at {message.location.get('url', '')}")

    def _on_request_failed(self, request):
        note = f"request failed: {request.method} {request.url} ({request.failure})"
        if request.failure == "net::ERR_ABORTED" and not request.is_navigation_request():
            # The browser cancelled it itself: the page moved on (a click submitted a form before
            # an icon had loaded) or select2 dropped a search a newer keystroke superseded. A
            # server that failed shows as an HTTP status (_on_response) or as a reset, not this.
            self.console.append(f"[cancelled] {note}")
            return
        self.problems.append(note)

    def _on_response(self, response):
        if response.status >= 400 and not self._admin_favicon(response.url):
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def allow(self, pattern):
        """Forget the problems matching `pattern` (a regex) so far: a refusal the journey
        provoked on purpose, such as the admin's 400 for a file that is not an image."""
        self.problems = [p for p in self.problems if not re.search(pattern, p)]

    def assert_clean(self):
        assert not self.problems, f"{self.name}: the browser reported problems:\n" + "\n".join(self.problems)


def _safe(name):
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


@pytest.fixture
def open_page(request, browser, site_server, artifacts):
    """open_page(viewport="desktop", storage_state=None) -> (page, watch). Every page is
    watched; on failure each leaves its HTML, a screenshot and its console log."""
    opened = []

    def open_(viewport="desktop", storage_state=None):
        context = browser.new_context(
            base_url=site_server.url, storage_state=storage_state, **VIEWPORTS[viewport]
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        watch = Watch(name=f"{request.node.name} [{viewport}]")
        watch.attach(page)
        opened.append((context, page, watch, viewport))
        return page, watch

    yield open_

    failed = any(
        getattr(request.node, f"rep_{when}", None) and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    for context, page, watch, viewport in opened:
        if failed:
            stem = artifacts / "failures" / _safe(f"{request.node.name}-{viewport}")
            stem.parent.mkdir(parents=True, exist_ok=True)
            try:
                stem.with_suffix(".html").write_text(page.content())
                page.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
            except Exception as error:  # the page may be gone; the console log still helps
                watch.console.append(f"(could not save the page: {error})")
            stem.with_suffix(".console.log").write_text(
                f"URL: {page.url}\n\nconsole:\n"
                + "\n".join(watch.console)
                + "\n\nproblems:\n"
                + "\n".join(watch.problems)
                + "\n"
            )
        context.close()


@pytest.fixture
def shoot(request, artifacts):
    """shoot(page, "step-name"): a full-page screenshot of a key page, numbered in order."""
    counter = iter(range(1, 100))

    def take(page, step):
        folder = artifacts / _safe(request.node.name)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{next(counter):02d}-{_safe(step)}.png"), full_page=True)

    return take


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` (make e2e does)")
    return AXE_JS.read_text()


@pytest.fixture
def check_accessibility(axe_source, artifacts):
    """check_accessibility(page, label): axe-core on the page as it is; fails on any serious or
    critical violation, listing each with the elements it found."""

    def check(page, label):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does
        # not govern: a <script> tag with axe inline would be refused (script-src 'self').
        page.evaluate(axe_source + "\n;undefined")
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        (artifacts / "axe").mkdir(exist_ok=True)
        (artifacts / "axe" / f"{_safe(label)}.json").write_text(json.dumps(result["violations"], indent=2))
        bad = [v for v in result["violations"] if v.get("impact") in {"serious", "critical"}]
        lines = []
        for v in bad:
            lines.append(f"- {v['impact']}: {v['id']}: {v['help']} ({v['helpUrl']})")
            lines.extend(f"    {node['target']}: {node.get('failureSummary', '')}" for node in v["nodes"][:5])
        assert not bad, f"axe on {label} ({page.url}):\n" + "\n".join(lines)

    return check
