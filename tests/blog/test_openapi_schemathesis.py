"""The API against its own OpenAPI document: schemathesis generates requests from the
document and runs every check it has on every answer (the Python API's `--checks all`): no
server error, status, content type, headers and body exactly as documented, valid data
accepted and invalid data refused, undocumented methods answered 405 with `Allow`."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from blog.wsgi import application

# Loaded through the app itself, so the test reads the document readers get.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture
def content(db, make_post, make_photo, settings, monkeypatch):
    """A database with posts, tags and covers, and a draft that must never show. Subscribing is
    not rate-limited here (the 429 is documented, but would hide the logic behind it), and
    the welcome email is not sent (its stream event is the stream handler's tests' business)."""
    settings.SUBSCRIBE_RATE_LIMIT = 0
    monkeypatch.setenv("LOCAL_EVENTS", "false")
    # Requests go straight to the WSGI app, not through Django's test client: keep the app
    # from closing the test's connection at the end of each request, as the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    for i in range(25):
        make_post(tags=["Travel", f"Tag{i % 4}"], cover=make_photo() if i % 2 else None, slug=f"post-{i}")
    make_post(state="draft", tags=["Hidden"])
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case, content):
    """No generated request makes a server error or a response the document does not allow."""
    case.call_and_validate(checks=ALL_CHECKS)
