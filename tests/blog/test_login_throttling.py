"""Admin logins are throttled per account and client address (django-axes), with the count in
the database, so every Lambda container sees it; a locked-out editor is told when to try
again, and a locked-out attempt costs no password hash."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"
PASSWORD = "correct horse battery"


def attempt(client, password, username="ed"):
    return client.post(LOGIN, {"username": username, "password": password})


def client_at(address):
    return Client(REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_account_at_that_address(editor, settings):
    """The sixth attempt, even with the right password, is refused with a 429 that says until
    when (and `Retry-After`); the editor is not logged in."""
    client = client_at("203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200  # the form again, with its error
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    right = attempt(client, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    retry_after = int(right["Retry-After"])
    assert 14 * 60 < retry_after <= 15 * 60
    page = right.content.decode()
    assert "Too many failed logins" in page
    until = timezone.now() + timedelta(seconds=retry_after)
    assert f"{until:%H:%M} UTC" in page or f"{until - timedelta(minutes=1):%H:%M} UTC" in page
    assert "about 15 minutes" in page


def test_the_count_lives_in_the_database_not_in_one_process(editor, settings):
    """Another process (a new client, the in-memory caches emptied, as in another Lambda
    container) still sees the lockout."""
    first = client_at("203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(first, "wrong")
    caches["default"].clear()
    assert attempt(client_at("203.0.113.7"), PASSWORD).status_code == 429
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username="ed", ip_address="203.0.113.7").exists()


def test_keyed_on_account_and_address(editor, make_author, settings):
    """Nobody can lock an editor out from elsewhere, and another account at the same address
    is not locked either."""
    make_author("other", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client_at("203.0.113.7"), "wrong")
    assert attempt(client_at("198.51.100.1"), PASSWORD).status_code == 302
    assert attempt(client_at("203.0.113.7"), "wrong", username="other").status_code == 200


def test_the_address_is_remote_addr_never_a_header_the_client_writes(editor, settings):
    """A client cannot escape its lockout by sending another X-Forwarded-For each time."""
    client = client_at("203.0.113.7")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "ed", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = client.post(LOGIN, {"username": "ed", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_a_locked_out_attempt_checks_no_password(editor, settings, monkeypatch):
    """Refused before the password hasher runs: a locked pair costs no CPU to try again."""
    calls = []
    monkeypatch.setattr(
        "django.contrib.auth.base_user.check_password",
        lambda *args, **kwargs: calls.append(args) or check_password(*args, **kwargs),
    )
    client = client_at("203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    assert len(calls) == settings.AXES_FAILURE_LIMIT, "each attempt before the lockout is checked"
    calls.clear()
    assert attempt(client, PASSWORD).status_code == 429
    assert calls == []


def test_the_lockout_ends_after_the_cool_off(editor, settings):
    client = client_at("203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert attempt(client, PASSWORD).status_code == 302


def test_a_good_login_resets_the_count(editor, settings):
    client = client_at("203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302
