"""Subscribe POSTs are limited per client address, through HTTP: the form answers a 429 page
and the API a 429 in its error shape, both with Retry-After; other addresses are unaffected,
and the window passing lets the address in again."""

import json

import pytest

from welcome import ratelimit

pytestmark = pytest.mark.django_db
ADDRESS = "10.1.2.3"


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.SUBSCRIBE_RATE_LIMIT = 3
    settings.SUBSCRIBE_RATE_WINDOW = 60


def post_form(client, n, remote=ADDRESS):
    return client.post("/subscribe/", {"email": f"reader{n}@example.com", "website": ""}, REMOTE_ADDR=remote)


def post_json(client, n, remote=ADDRESS):
    body = json.dumps({"email": f"reader{n}@example.com"})
    return client.post("/api/v1/subscribers/", body, content_type="application/json", REMOTE_ADDR=remote)


def test_the_form_answers_429_with_retry_after_once_the_limit_is_reached(client, outbox):
    assert [post_form(client, n).status_code for n in range(3)] == [303, 303, 303]

    response = post_form(client, 3)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Cache-Control"] == "private, no-store"
    assert "Too many subscribe requests" in response.content.decode()
    assert len(outbox()) == 3, "the refused request sent nothing"


def test_the_api_answers_429_in_its_error_shape(client):
    assert [post_json(client, n).status_code for n in range(3)] == [202, 202, 202]

    response = post_json(client, 3)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json() == {
        "error": {
            "status": 429,
            "code": "too_many_requests",
            "message": f"Too many subscribe requests; retry in {response['Retry-After']} s.",
        }
    }


def test_form_and_api_share_one_count_per_address_and_others_are_unaffected(client):
    post_form(client, 0)
    post_json(client, 1)
    post_form(client, 2)
    assert post_json(client, 3).status_code == 429
    assert post_form(client, 4, remote="10.9.9.9").status_code == 303


def test_reading_the_page_is_not_limited(client):
    for n in range(3):
        post_form(client, n)
    assert client.get("/subscribe/", REMOTE_ADDR=ADDRESS).status_code == 200


def test_the_next_window_lets_the_address_in_again(rf, settings):
    request = rf.post("/subscribe/", REMOTE_ADDR=ADDRESS)
    start = 1_800_000_000 - 1_800_000_000 % 60
    assert [ratelimit.retry_after(request, now=start + 1) for _ in range(3)] == [None] * 3
    assert ratelimit.retry_after(request, now=start + 10) == 50
    assert ratelimit.retry_after(request, now=start + 61) is None


def test_zero_turns_the_limit_off(client, settings):
    settings.SUBSCRIBE_RATE_LIMIT = 0
    assert {post_form(client, n).status_code for n in range(6)} == {303}
