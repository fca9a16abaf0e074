"""The local stand-in for S3's POST upload checks the signed policy as S3 does: the key, the
size, the content type, the expiry and the signature; a refusal is S3's XML error and
leaves nothing behind."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from blog import upload_policy
from blog.uploads import new_upload_key, sign_upload, upload_conditions
from tests.blog.uploads import image_bytes, post_to_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def grant(max_bytes=None):
    return sign_upload(new_upload_key("door.jpg", "image/jpeg"), "image/jpeg", max_bytes=max_bytes).as_json()


def refusal(response):
    body = response.content.decode()
    assert response["Content-Type"] == "application/xml"
    return response.status_code, body.split("<Code>")[1].split("</Code>")[0], body


def stored(settings):
    return sorted(
        p.relative_to(settings.MEDIA_ROOT).as_posix() for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()
    )


def test_a_good_post_is_stored_under_its_key(browser, settings):
    signed = grant()
    assert post_to_storage(browser, signed, image_bytes()).status_code == 204
    assert signed["key"] in stored(settings)


def test_the_policy_says_what_s3_would_check(settings):
    """The local policy holds the same conditions the AWS one does, plus the local bucket."""
    signed = grant()
    policy = json.loads(base64.b64decode(signed["fields"]["policy"]))
    expiry = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert timedelta(seconds=590) < expiry - datetime.now(UTC) <= timedelta(seconds=600)
    assert policy["conditions"][0] == {"bucket": "local-media"}
    for condition in upload_conditions(signed["key"], "image/jpeg", settings.UPLOAD_MAX_BYTES):
        assert condition in policy["conditions"]


def test_another_key_is_refused(browser, settings):
    signed = grant()
    response = post_to_storage(browser, signed, image_bytes(), key="uploads/2026/11/someone-elses.jpg")
    status, code, body = refusal(response)
    assert (status, code) == (403, "AccessDenied")
    assert "Policy Condition failed" in body and "$key" in body
    assert stored(settings) == []


def test_a_file_over_the_granted_size_is_refused(browser, settings):
    signed = grant(max_bytes=1000)
    status, code, _ = refusal(post_to_storage(browser, signed, image_bytes((400, 400)) + bytes(1000)))
    assert (status, code) == (400, "EntityTooLarge")
    assert stored(settings) == []


def test_a_body_over_the_site_limit_is_refused_before_it_is_read(browser, settings):
    settings.UPLOAD_MAX_BYTES = 2000
    signed = grant()
    status, code, _ = refusal(post_to_storage(browser, signed, bytes(100_000)))
    assert (status, code) == (400, "EntityTooLarge")
    assert stored(settings) == []


def test_an_expired_grant_is_refused(browser, settings):
    key = new_upload_key("door.jpg", "image/jpeg")
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    policy = upload_policy.policy_document(
        "local-media", upload_conditions(key, "image/jpeg", 2**20), expires_in=600, now=an_hour_ago
    )
    signed = {
        "url": "/local-upload/",
        "fields": {"key": key, "Content-Type": "image/jpeg", **upload_policy.sign(policy)},
    }
    status, code, body = refusal(post_to_storage(browser, signed, image_bytes()))
    assert (status, code) == (403, "AccessDenied") and "Policy expired" in body
    assert stored(settings) == []


def test_an_altered_signature_is_refused(browser, settings):
    signed = grant()
    signature = signed["fields"]["x-amz-signature"]
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]
    status, code, _ = refusal(post_to_storage(browser, signed, image_bytes(), **{"x-amz-signature": forged}))
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert stored(settings) == []


def test_an_altered_policy_is_refused(browser, settings):
    """A policy rewritten to allow more no longer matches its signature."""
    signed = grant(max_bytes=1000)
    policy = json.loads(base64.b64decode(signed["fields"]["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if not isinstance(c, list)]
    loosened = base64.b64encode(json.dumps(policy).encode()).decode()
    status, code, _ = refusal(post_to_storage(browser, signed, image_bytes(), policy=loosened))
    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_another_content_type_is_refused(browser, settings):
    signed = grant()
    response = post_to_storage(
        browser, signed, b"<html><script>alert(1)</script>", **{"Content-Type": "text/html"}
    )
    status, code, body = refusal(response)
    assert (status, code) == (403, "AccessDenied") and "$Content-Type" in body
    assert stored(settings) == []


def test_a_field_no_condition_covers_is_refused(browser, settings):
    signed = grant()
    status, code, body = refusal(post_to_storage(browser, signed, image_bytes(), acl="public-read"))
    assert (status, code) == (403, "AccessDenied") and "Extra input fields: acl" in body


def test_a_post_without_a_file_or_policy_is_refused(browser, settings):
    signed = grant()
    status, code, _ = refusal(browser.post("/local-upload/", signed["fields"]))
    assert (status, code) == (400, "InvalidArgument")
    status, code, _ = refusal(
        post_to_storage(browser, {"url": "/local-upload/", "fields": {"key": signed["key"]}}, b"x")
    )
    assert (status, code) == (403, "AccessDenied")


def test_only_post_and_only_on_the_embedded_defaults(browser, settings):
    assert browser.get("/local-upload/").status_code == 405
    settings.MEDIA_BUCKET = "blog-test-media"
    assert browser.post("/local-upload/", {}).status_code == 404
