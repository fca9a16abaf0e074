"""Subscribe, confirm and unsubscribe over HTTP, with CSRF checks enforced as a browser
without a cookie meets them: public pages stay cacheable and cookie-free, the answer never
says whether an address was already subscribed, and a GET on a link changes nothing."""

import json
import re

import pytest
from django.core import mail
from django.utils import timezone

from welcome import tokens
from welcome.store import get_store
from welcome.subscriber import CONFIRMED, PENDING, SUPPRESSED, UNSUBSCRIBED

pytestmark = pytest.mark.django_db
SITE = "https://blog.example.com"


def assert_private(response):
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert not response.cookies


def assert_public(response):
    assert "public" in response["Cache-Control"] and "s-maxage" in response["Cache-Control"]
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()


def post_form(client, address, **extra):
    return client.post("/subscribe/", {"email": address, "website": ""}, **extra)


def post_json(client, body, **extra):
    return client.post("/api/v1/subscribers/", json.dumps(body), content_type="application/json", **extra)


def test_every_page_has_the_footer_form_and_stays_public(csrf_client):
    for url in ("/", "/subscribe/", "/subscribe/thanks/"):
        response = csrf_client.get(url)
        assert response.status_code == 200, url
        assert_public(response)
        assert b'action="/subscribe/"' in response.content, url
        assert b"csrfmiddlewaretoken" not in response.content, url
    page = csrf_client.get("/subscribe/").content.decode()
    assert page.count('name="email"') == 1, "the subscribe page shows one form, not two"


def test_the_form_subscribes_and_redirects_to_check_your_inbox(csrf_client):
    response = post_form(csrf_client, "Jane@Example.COM")
    assert response.status_code == 303 and response["Location"] == "/subscribe/thanks/"
    assert not response.cookies
    assert get_store().get("jane@example.com").status == PENDING
    assert [m.to for m in mail.outbox] == [["jane@example.com"]]
    assert "Check your inbox" in csrf_client.get(response["Location"]).content.decode()


def test_subscribing_twice_answers_the_same_and_sends_nothing_new(csrf_client):
    first = post_form(csrf_client, "jane@example.com")
    second = post_form(csrf_client, "jane@example.com")
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    assert len(mail.outbox) == 1
    api_first = post_json(csrf_client, {"email": "ann@example.com"})
    api_second = post_json(csrf_client, {"email": "ann@example.com"})
    assert api_first.json() == api_second.json() and api_first.status_code == api_second.status_code == 202
    assert len(mail.outbox) == 2


def test_an_internationalised_domain_is_stored_in_punycode(csrf_client):
    assert post_form(csrf_client, "jane@Bücher.de").status_code == 303
    assert get_store().get("jane@xn--bcher-kva.de") is not None
    assert post_json(csrf_client, {"email": "ann@bücher.de"}).json()["email"] == "ann@xn--bcher-kva.de"


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("not-an-address", "must have an @-sign"),
        ("jürgen@example.com", "non-ASCII letters"),
        ("", "Enter your"),
    ],
)
def test_an_invalid_address_gets_the_form_back_with_a_message(csrf_client, address, says):
    response = post_form(csrf_client, address)
    assert response.status_code == 400
    body = response.content.decode()
    assert says in body and 'role="alert"' in body and 'aria-invalid="true"' in body
    assert response["Cache-Control"] == "private, no-store"
    assert list(get_store().all()) == [] and mail.outbox == []


def test_cross_site_form_posts_are_refused(csrf_client):
    for headers in (
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "null"},
    ):
        response = post_form(csrf_client, "jane@example.com", **headers)
        assert response.status_code == 403, headers
        assert "another website" in response.content.decode()
    assert list(get_store().all()) == []


def test_same_origin_posts_are_accepted(csrf_client, settings):
    for headers in (
        {"HTTP_ORIGIN": SITE, "HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_SEC_FETCH_SITE": "none"},
    ):
        assert post_form(csrf_client, "jane@example.com", **headers).status_code == 303, headers


def test_the_honeypot_gets_the_same_answer_and_nothing_happens(csrf_client):
    response = csrf_client.post(
        "/subscribe/", {"email": "jane@example.com", "website": "http://spam.example"}
    )
    assert (response.status_code, response["Location"]) == (303, "/subscribe/thanks/")
    assert list(get_store().all()) == [] and mail.outbox == []


def test_the_api_accepts_json_and_answers_202(csrf_client):
    response = post_json(csrf_client, {"email": "jane@example.com"})
    assert response.status_code == 202
    assert response.json() == {"email": "jane@example.com", "message": response.json()["message"]}
    assert "Check your inbox" in response.json()["message"]
    assert response["Cache-Control"] == "private, no-store" and not response.cookies


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "nope"}, 400, "invalid_email"),
        ({"email": 42}, 400, "invalid_request"),
        (["jane@example.com"], 400, "invalid_request"),
    ],
)
def test_the_api_refuses_bad_bodies_in_its_error_shape(csrf_client, body, status, code):
    response = post_json(csrf_client, body)
    assert response.status_code == status
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (status, code) and error["message"]


def test_the_api_refuses_other_content_methods_and_origins(csrf_client):
    broken = csrf_client.post("/api/v1/subscribers/", "{", content_type="application/json")
    assert broken.json()["error"]["code"] == "invalid_json"
    form = csrf_client.post("/api/v1/subscribers/", {"email": "jane@example.com"})
    assert (form.status_code, form.json()["error"]["code"]) == (415, "unsupported_media_type")
    get = csrf_client.get("/api/v1/subscribers/")
    assert (get.status_code, get["Allow"]) == (405, "POST")
    cross = post_json(csrf_client, {"email": "jane@example.com"}, HTTP_ORIGIN="https://evil.example")
    assert (cross.status_code, cross.json()["error"]["code"]) == (403, "cross_site_request")
    assert list(get_store().all()) == []


def links(message):
    confirm = re.search(r"https://blog\.example\.com(/confirm/[^/\s]+/)", message.body).group(1)
    unsubscribe = re.search(r"https://blog\.example\.com(/unsubscribe/[^/\s]+/)", message.body).group(1)
    return confirm, unsubscribe


def test_confirm_get_changes_nothing_and_post_confirms_idempotently(csrf_client):
    post_form(csrf_client, "jane@example.com")
    confirm, _ = links(mail.outbox[0])
    page = csrf_client.get(confirm)
    assert page.status_code == 200 and b'method="post"' in page.content
    assert_private(page)
    assert get_store().get("jane@example.com").status == PENDING
    for _ in range(2):
        done = csrf_client.post(confirm)
        assert done.status_code == 200 and "You\u2019re subscribed" in done.content.decode()
        assert_private(done)
    assert get_store().get("jane@example.com").status == CONFIRMED


def test_one_click_unsubscribe_as_a_mail_provider_sends_it(csrf_client):
    """RFC 8058: a POST of `List-Unsubscribe=One-Click`, no cookie, no CSRF token."""
    post_form(csrf_client, "jane@example.com")
    _, unsubscribe = links(mail.outbox[0])
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    assert header == f"<{SITE}{unsubscribe}>"
    for _ in range(2):
        response = csrf_client.post(
            unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
        assert_private(response)
    assert get_store().get("jane@example.com").status == UNSUBSCRIBED
    assert len(mail.outbox) == 1


def test_unsubscribe_get_changes_nothing(csrf_client):
    post_form(csrf_client, "jane@example.com")
    _, unsubscribe = links(mail.outbox[0])
    page = csrf_client.get(unsubscribe)
    assert page.status_code == 200 and b"Unsubscribe</button>" in page.content
    assert_private(page)
    assert get_store().get("jane@example.com").status == PENDING


def test_confirming_after_unsubscribing_does_not_resubscribe(csrf_client):
    post_form(csrf_client, "jane@example.com")
    confirm, unsubscribe = links(mail.outbox[0])
    csrf_client.post(unsubscribe)
    response = csrf_client.post(confirm)
    assert response.status_code == 200 and "no longer active" in response.content.decode()
    assert get_store().get("jane@example.com").status == UNSUBSCRIBED


def test_an_old_confirm_link_cannot_confirm_a_later_subscription(csrf_client, settings):
    """Jane confirmed, then left; somebody else subscribes her address again. Her old link
    must not confirm what she did not ask for: only the new email's link can."""
    post_form(csrf_client, "jane@example.com")
    old_confirm, unsubscribe = links(mail.outbox[0])
    csrf_client.post(old_confirm)
    csrf_client.post(unsubscribe)
    post_form(csrf_client, "jane@example.com")  # a confirmed reader may come back at once
    assert len(mail.outbox) == 2
    response = csrf_client.post(old_confirm)
    assert response.status_code == 404 and "couldn\u2019t find" in response.content.decode()
    assert get_store().get("jane@example.com").status == PENDING
    new_confirm, _ = links(mail.outbox[1])
    assert csrf_client.post(new_confirm).status_code == 200
    assert get_store().get("jane@example.com").status == CONFIRMED


def test_unsubscribing_from_an_unwanted_confirmation_stops_further_ones(csrf_client):
    """A forger subscribes Jane; she unsubscribes from the email she never wanted. The next
    forged subscribe gets the usual answer but sends nothing."""
    post_form(csrf_client, "jane@example.com")
    _, unsubscribe = links(mail.outbox[0])
    csrf_client.post(unsubscribe)
    response = post_form(csrf_client, "jane@example.com")
    assert (response.status_code, response["Location"]) == (303, "/subscribe/thanks/")
    assert len(mail.outbox) == 1
    assert get_store().get("jane@example.com").status == UNSUBSCRIBED


@pytest.mark.parametrize("origin", ["https://x:abc", "https://x:99999", "http://[::1", "https://"])
def test_a_malformed_origin_is_refused_not_an_error(csrf_client, origin):
    assert post_form(csrf_client, "jane@example.com", HTTP_ORIGIN=origin).status_code == 403
    response = post_json(csrf_client, {"email": "jane@example.com"}, HTTP_ORIGIN=origin)
    assert response.status_code == 403 and response.json()["error"]["code"] == "cross_site_request"
    assert list(get_store().all()) == []


def test_json_nested_too_deep_is_invalid_json(csrf_client):
    body = "[" * 100_000 + "]" * 100_000
    response = csrf_client.post("/api/v1/subscribers/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


def test_a_body_over_the_upload_limit_gets_the_api_error_shape(csrf_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"email": "jane@example.com", "padding": "x" * 2000})
    response = csrf_client.post("/api/v1/subscribers/", body, content_type="application/json")
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    assert list(get_store().all()) == []


def test_a_suppressed_address_stays_suppressed_when_unsubscribing(csrf_client):
    get_store().suppress("jane@example.com", now=timezone.now(), reason="complaint: abuse")
    response = csrf_client.post(f"/unsubscribe/{tokens.unsubscribe_token('jane@example.com')}/")
    assert response.status_code == 200
    assert get_store().get("jane@example.com").status == SUPPRESSED


def test_confirming_an_entry_that_is_gone_says_so(csrf_client):
    response = csrf_client.post(
        f"/confirm/{tokens.confirm_token('gone@example.com', '2026-11-22T08:00:00.000000Z')}/"
    )
    assert response.status_code == 404 and "couldn\u2019t find" in response.content.decode()
    assert_private(response)


@pytest.mark.parametrize("kind", ["confirm", "unsubscribe"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_token_gets_a_clear_page(csrf_client, kind, method):
    response = getattr(csrf_client, method)(f"/{kind}/not-a-token/")
    assert response.status_code == 400
    assert "This link doesn\u2019t work" in response.content.decode()
    assert_private(response)


def test_an_expired_confirm_link_says_it_expired(csrf_client, monkeypatch, settings):
    import time

    token = tokens.confirm_token("jane@example.com", "2026-11-22T08:00:00.000000Z")
    later = time.time() + (settings.WELCOME_CONFIRM_DAYS + 1) * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    response = csrf_client.post(f"/confirm/{token}/")
    assert response.status_code == 400 and "expired" in response.content.decode()


def test_a_cross_site_json_post_is_stopped_by_the_cors_preflight(csrf_client):
    """A page elsewhere can only send JSON after a preflight, and the preflight does not
    allow POST: the browser never sends the request."""
    response = csrf_client.options(
        "/api/v1/subscribers/",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert "POST" not in response["Access-Control-Allow-Methods"]
