"""In AWS mode (MEDIA_BUCKET set) the grant is S3's presigned POST. moto's server on
127.0.0.1 plays S3 for a real HTTP client posting the way the admin's browser code does;
moto does not enforce POST policies, so what S3 would enforce is read from the signed policy
itself (and its SigV4 signature recomputed) and held to the same conditions as locally."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests
from botocore.client import BaseClient

from blog import upload_policy
from blog.uploads import _s3_client, grant_upload, sign_upload, upload_conditions
from tests.blog.uploads import image_bytes, save_photo

pytestmark = pytest.mark.django_db

BUCKET = "blog-test-media"
REGION = "eu-west-1"
SECRET = "testing-secret"


@pytest.fixture(scope="module")
def moto_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_server, monkeypatch, settings):
    """The media bucket in moto's server, and the app configured for it as on Lambda."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIATESTING",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL_S3": moto_server,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    requests.post(f"{moto_server}/moto-api/reset", timeout=5)
    _s3_client.cache_clear()
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.MEDIA_BUCKET = BUCKET
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "file_overwrite": False, "querystring_auth": False},
        },
    }
    yield client
    _s3_client.cache_clear()


def policy_of(grant):
    return json.loads(base64.b64decode(grant.fields["policy"]))


def sigv4_post_signature(policy_b64, credential):
    """S3's signature of a POST policy (SigV4): HMAC chain over date, region, service."""
    _, date, region, service, _ = credential.split("/")
    key = ("AWS4" + SECRET).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy_b64.encode(), hashlib.sha256).hexdigest()


def browser_post(grant, data, content_type="image/jpeg"):
    """What direct-upload.js sends: the grant's fields in order, then the file."""
    return requests.post(
        grant.url, data=grant.fields, files={"file": ("photo.jpg", data, content_type)}, timeout=30
    )


def test_the_grant_is_a_presigned_post_for_one_key_type_and_size(s3, settings):
    """The policy S3 enforces names the bucket, the key, the type and 1 byte to the maximum,
    expires in minutes, and is signed (SigV4) with the function's credentials."""
    grant = grant_upload("harbour.jpg", "image/jpeg", 123_456)
    policy = policy_of(grant)
    conditions = policy["conditions"]
    assert {"bucket": BUCKET} in conditions
    for condition in upload_conditions(grant.key, "image/jpeg", settings.UPLOAD_MAX_BYTES):
        assert condition in conditions
    expiry = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(seconds=590) < expiry - datetime.now(UTC) <= timedelta(seconds=600)
    assert grant.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert grant.fields["x-amz-signature"] == sigv4_post_signature(
        grant.fields["policy"], grant.fields["x-amz-credential"]
    )


@pytest.mark.parametrize(
    ("changed", "size", "code"),
    [
        ({"key": "uploads/2026/11/another-00000000.jpg"}, 1000, "AccessDenied"),
        ({"Content-Type": "text/html"}, 1000, "AccessDenied"),
        ({}, 50 * 2**20 + 1, "EntityTooLarge"),
        ({"acl": "public-read"}, 1000, "AccessDenied"),
    ],
    ids=["another key", "another type", "too large", "an extra field"],
)
def test_the_aws_policy_refuses_what_the_local_one_refuses(s3, changed, size, code):
    """The same conditions, held by the same checker the local endpoint uses, refuse another
    key, another type, a file over the limit and a field the grant did not sign."""
    grant = grant_upload("harbour.jpg", "image/jpeg", 1000)
    conditions = policy_of(grant)["conditions"]
    fields = {name: value for name, value in grant.fields.items() if name != "policy"}
    assert upload_policy.check_conditions(conditions, fields, 1000, BUCKET) == grant.key
    with pytest.raises(upload_policy.PolicyRefused) as refused:
        upload_policy.check_conditions(conditions, {**fields, **changed}, size, BUCKET)
    assert refused.value.code == code


def test_a_browser_post_lands_in_s3_and_the_photo_is_saved_from_its_header(
    s3, editor_client, django_capture_on_commit_callbacks, monkeypatch
):
    """The real HTTP POST a browser makes stores the file under the granted key with the
    granted type; saving the photo reads only its first bytes (a ranged GET) for the size."""
    from blog.models import Photo

    data = image_bytes((1600, 1200), quality=95)
    response = editor_client.post(
        "/admin/blog/photo/upload-grant/",
        {"filename": "Harbour.jpg", "type": "image/jpeg", "size": len(data)},
        content_type="application/json",
    )
    grant = sign_upload(response.json()["key"], "image/jpeg")  # what the JSON carried, re-made
    assert response.json()["url"] == grant.url == f"{s3.meta.endpoint_url}/{BUCKET}"
    assert browser_post(grant, data).status_code == 204
    stored = s3.head_object(Bucket=BUCKET, Key=grant.key)
    assert (stored["ContentType"], stored["ContentLength"]) == ("image/jpeg", len(data))

    reads = []
    original = BaseClient._make_api_call

    def spy(client, operation, params):
        if operation == "GetObject" and params["Key"] == grant.key:  # not its manifest
            reads.append(params.get("Range"))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", spy)
    with django_capture_on_commit_callbacks(execute=True):
        assert save_photo(editor_client, grant.key).status_code == 302
    photo = Photo.objects.get()
    assert (photo.image.name, photo.width, photo.height) == (grant.key, 1600, 1200)
    assert reads == ["bytes=0-65535"], "the photo itself was downloaded"


def test_the_s3_event_makes_the_renditions_and_the_admin_shows_them(s3, editor_client):
    """S3's ObjectCreated event for the upload, through the router as Lambda delivers it; the
    minute schedule reads the manifest into the photo, and the admin's list shows it."""
    from blog.models import Photo
    from common.events import s3_object_created_event
    from dispatch.router import route

    data = image_bytes((1000, 700))
    grant = grant_upload("door.jpg", "image/jpeg", len(data))
    assert browser_post(grant, data).status_code == 204
    assert save_photo(editor_client, grant.key).status_code == 302
    outcome = route(s3_object_created_event(BUCKET, grant.key, len(data), region=REGION))
    assert [r["key"] for r in outcome["done"]] == [grant.key]
    from blog.tasks import refresh_photo_renditions

    assert refresh_photo_renditions()["refreshed"] == 1
    assert "Ready (320, 640, 960 px)" in editor_client.get("/admin/blog/photo/").content.decode()
    assert Photo.objects.get().renditions_status == "ready"


def test_orphans_in_the_bucket_go_after_a_day(s3):
    """The schedule lists uploads/ and deletes a day-old upload no photo took, renditions
    and manifest included; the function needs s3:ListBucket on uploads/ for it."""
    from blog.uploads import delete_orphan_uploads
    from common.events import s3_object_created_event
    from dispatch.router import route

    data = image_bytes((700, 500))
    grant = grant_upload("closed-tab.jpg", "image/jpeg", len(data))
    assert browser_post(grant, data).status_code == 204
    route(s3_object_created_event(BUCKET, grant.key, len(data), region=REGION))
    assert delete_orphan_uploads() == []  # too young
    assert delete_orphan_uploads(now=datetime.now(UTC) + timedelta(hours=25)) == [grant.key]
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
