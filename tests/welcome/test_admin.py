"""Staff allowed to see subscribers find them in the admin: counts by status, search by
address, CSV export (with its own permission). Only staff get in, and the page is never
cached."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from welcome.store import get_store
from welcome.subscriber import CONFIRMED, PENDING, Subscriber

pytestmark = pytest.mark.django_db
URL = "/admin/welcome/subscribers/"


@pytest.fixture
def subscribers(monkeypatch):
    monkeypatch.setenv("LOCAL_EVENTS", "false")
    store = get_store()
    now = timezone.now()
    for email in ("ann@example.com", "bob@example.org", "=cmd@example.com"):
        store.add(Subscriber.new_pending(email, now=now, region="local-1", ttl_days=7), now=now)
    store.transition("ann@example.com", CONFIRMED, allowed_from=(PENDING,), now=now)
    store.suppress("spam@example.net", now=now, reason="complaint: abuse")
    return store


@pytest.fixture
def manager_client(staff_client):
    """Staff who may see and export subscribers."""
    return staff_client("welcome.view_subscribers", "welcome.export_subscribers")


def test_only_staff_get_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_counts_by_status_and_the_list(manager_client, subscribers):
    response = manager_client.get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    counts = dict(response.context["counts"])
    assert (counts["pending"], counts["confirmed"], counts["suppressed"], counts["expired"]) == (2, 1, 1, 0)
    assert response.context["total"] == 4
    body = response.content.decode()
    assert "bob@example.org" in body and "complaint: abuse" in body


def test_search_by_address(manager_client, subscribers):
    response = manager_client.get(URL, {"q": "EXAMPLE.ORG"})
    assert [s.email for s, _ in response.context["subscribers"]] == ["bob@example.org"]
    assert response.context["matches"] == 1


def test_csv_export_of_the_search(manager_client, subscribers):
    response = manager_client.get(URL, {"q": "example.com", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["email"] for r in rows} == {"ann@example.com", "'=cmd@example.com"}, "formulas are defused"
    assert {r["status"] for r in rows} == {"confirmed", "pending"}


def test_the_admin_index_links_to_subscribers(manager_client):
    response = manager_client.get("/admin/")
    assert response.status_code == 200
    assert URL.encode() in response.content


def test_expired_entries_are_shown_as_expired(manager_client, monkeypatch):
    monkeypatch.setenv("LOCAL_EVENTS", "false")
    old = datetime(2020, 1, 1, tzinfo=UTC)
    get_store().add(Subscriber.new_pending("old@example.com", now=old, region="local-1", ttl_days=7), now=old)
    counts = dict(manager_client.get(URL).context["counts"])
    assert (counts["expired"], counts["pending"]) == (1, 0)
