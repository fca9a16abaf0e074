"""The origin answers only CloudFront: through HTTP, a request without the secret header
CloudFront adds gets 403 before any view runs (HTML, or the API's error shape); with it, the
client address is the one CloudFront saw, whatever X-Forwarded-For says. A rotated secret is
learned from SSM without a restart, at most one SSM read a minute."""

import json

import boto3
import pytest

from blog import origin
from tests.aws import mocked_aws

SECRET = "cf-origin-secret-0123456789"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locked(settings, monkeypatch):
    settings.ORIGIN_LOCK = True
    settings.ORIGIN_VERIFY = [SECRET]
    settings.SSM_PREFIX = ""
    monkeypatch.setattr(origin, "_learned", {"values": (), "checked_at": 0.0})


def get(client, path, secret=SECRET, **extra):
    headers = {"HTTP_X_ORIGIN_VERIFY": secret} if secret is not None else {}
    return client.get(path, **headers, **extra)


@pytest.mark.parametrize("secret", [None, "", "guess", SECRET[:-1]])
def test_a_request_around_cloudfront_is_refused(client, secret):
    response = get(client, "/", secret=secret)

    assert response.status_code == 403
    assert response["Cache-Control"] == "private, no-store"
    assert "through the site's CDN" in response.content.decode()


def test_the_api_refuses_in_its_own_error_shape(client):
    response = get(client, "/api/v1/posts/", secret=None)

    assert response.status_code == 403
    assert json.loads(response.content) == {
        "error": {
            "status": 403,
            "code": "forbidden",
            "message": "This origin answers only requests through the site's CDN.",
        }
    }


def test_writes_and_the_admin_are_refused_too(client):
    assert client.post("/subscribe/", {"email": "a@example.com"}).status_code == 403
    assert client.get("/admin/login/").status_code == 403


def test_cloudfronts_requests_are_served(client):
    assert get(client, "/").status_code == 200
    assert get(client, "/api/v1/posts/").status_code == 200


def test_the_previous_secret_works_during_a_rotation(client, settings):
    settings.ORIGIN_VERIFY = ["the-new-one", SECRET]

    assert get(client, "/").status_code == 200
    assert get(client, "/", secret="the-new-one").status_code == 200


def test_the_lock_is_off_on_the_embedded_defaults(client, settings):
    settings.ORIGIN_LOCK = False

    assert get(client, "/", secret=None).status_code == 200


def test_a_spoofed_forwarded_for_changes_no_rate_limit_decision(client, settings):
    """Six subscribe posts from one viewer, each claiming another address in
    X-Forwarded-For (and in REMOTE_ADDR, as Zappa would derive it from that header): the
    limit counts the viewer CloudFront saw, so the sixth is refused."""
    settings.SUBSCRIBE_RATE_LIMIT = 5
    statuses = [
        client.post(
            "/subscribe/",
            {"email": f"reader{n}@example.com", "website": ""},
            HTTP_X_ORIGIN_VERIFY=SECRET,
            HTTP_CLOUDFRONT_VIEWER_ADDRESS="198.51.100.20:40123",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
            REMOTE_ADDR=f"10.0.0.{n}",
        ).status_code
        for n in range(6)
    ]

    assert statuses == [303] * 5 + [429]


def test_viewers_are_told_apart_by_the_address_cloudfront_saw(client, settings):
    settings.SUBSCRIBE_RATE_LIMIT = 1

    def post(viewer, n):
        return client.post(
            "/subscribe/",
            {"email": f"reader{n}@example.com", "website": ""},
            HTTP_X_ORIGIN_VERIFY=SECRET,
            HTTP_CLOUDFRONT_VIEWER_ADDRESS=viewer,
            REMOTE_ADDR="10.9.9.9",
        ).status_code

    assert post("198.51.100.20:1111", 1) == 303
    assert post("[2001:db8::7]:2222", 2) == 303
    assert post("2001:db8::7:3333", 3) == 429, "the same IPv6 viewer, another port"


@pytest.mark.parametrize(
    ("header", "address"),
    [("203.0.113.9:4567", "203.0.113.9"), ("2001:db8::1:443", "2001:db8::1"), ("nonsense", None), ("", None)],
)
def test_viewer_address_parsing(header, address):
    assert origin.viewer_address(header) == address


def test_a_rotated_secret_is_learned_from_ssm_once_a_minute(client, settings, monkeypatch):
    """CloudFront starts sending the new value after the edge stack is deployed again; a warm
    container that knows only the old one reads SSM again (once) and serves it."""
    with mocked_aws(monkeypatch):
        ssm = boto3.client("ssm")
        ssm.put_parameter(Name="/blog/prod/origin-verify", Value="rotated-value", Type="String")
        ssm.put_parameter(Name="/blog/prod/origin-verify-previous", Value=SECRET, Type="String")
        settings.SSM_PREFIX = "/blog/prod/"
        reads = []
        real = origin.ssm.load_ssm_parameters
        monkeypatch.setattr(origin.ssm, "load_ssm_parameters", lambda p: reads.append(p) or real(p))

        assert get(client, "/", secret="rotated-value").status_code == 200
        assert get(client, "/", secret="rotated-value").status_code == 200
        assert get(client, "/", secret=SECRET).status_code == 200
        assert get(client, "/", secret="a-guess").status_code == 403
        assert get(client, "/", secret="another-guess").status_code == 403

    assert reads == ["/blog/prod/"], "one SSM read, not one per request or per wrong guess"
