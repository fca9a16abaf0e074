"""The S3 handler driven with real event JSON against moto's S3."""

import copy
import io
import json
import urllib.parse

import boto3
import pytest
from PIL import Image

from dispatch.router import route
from tests import corpus, events
from tests.aws import mocked_aws
from thumbnails.handler import TransientFailure, handle_s3_event

BUCKET = "media"


def jpeg(size=(1400, 900), colour=(30, 90, 160)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def s3(monkeypatch):
    with mocked_aws(monkeypatch):
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client


def keys(s3, prefix=""):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def put_event(key):
    """S3's notification of a put of `key` into the test bucket (tests/events/s3-put.json)."""
    return retarget(events.load("s3-put.json"), key)


def retarget(event, key):
    """The same AWS event, pointing at our bucket and an upload key, encoded as S3 does."""
    event = copy.deepcopy(event)
    for record in event["Records"]:
        record["s3"]["bucket"]["name"] = BUCKET
        record["s3"]["object"]["key"] = urllib.parse.quote_plus(key, safe="/")
    return event


@pytest.mark.parametrize(
    "path",
    events.params("s3-put-outside-uploads.json", "s3-delete.json")
    + corpus.params(
        "events", "aws-sam-cli/S3Put.json", "aws-docs/s3-put-doc-example.json", "powertools/s3Event.json",
        "powertools/s3EventDecodedKey.json", "aws-sam-cli/S3Delete.json", "powertools/s3EventDeleteObject.json",
    ),
)  # fmt: skip
def test_events_for_other_keys_or_deletions_do_nothing(s3, path):
    """Puts outside `uploads/` (our own renditions among them) and deletions, even of an
    upload: nothing is read or written, nothing fails, each record says why it was skipped."""
    event = events.load(path)
    for record in event["Records"]:
        # The object is there: skipping must not depend on it being missing.
        s3.put_object(
            Bucket=BUCKET, Key=urllib.parse.unquote_plus(record["s3"]["object"]["key"]), Body=jpeg()
        )
        record["s3"]["bucket"]["name"] = BUCKET
    before = keys(s3)
    outcome = route(event)
    assert outcome["done"] == [] and outcome["transient"] == [] and outcome["rejected"] == []
    assert [r["why"] for r in outcome["skipped"]] == [
        f"{r['eventName']} is not an upload" for r in event["Records"]
    ]
    assert keys(s3) == before


@pytest.mark.parametrize(
    "path", events.params("s3-test-event.json") + corpus.params("events", "aws-docs/s3-test-event.json")
)
def test_s3_test_event_is_ignored(s3, path):
    """The `s3:TestEvent` S3 sends when a notification is configured is acknowledged."""
    assert route(events.load(path)) == {"ignored": "s3:TestEvent"}
    assert keys(s3) == []


@pytest.mark.parametrize(
    "path",
    events.params("s3-put.json")
    + corpus.params(
        "events",
        "aws-sam-cli/S3Put.json",
        "aws-docs/s3-put-doc-example.json",
        "powertools/s3EventDecodedKey.json",
    ),
)
def test_a_put_under_the_upload_prefix_makes_renditions(s3, path):
    """S3's put event, pointed at an upload, gives every rendition with the right
    Content-Type and a year-long immutable Cache-Control, plus a manifest."""
    s3.put_object(Bucket=BUCKET, Key="uploads/2026/11/Happy Face.jpg", Body=jpeg())
    event = events.load(path)
    event["Records"] = event["Records"][:1]
    outcome = route(retarget(event, "uploads/2026/11/Happy Face.jpg"))

    assert [r["key"] for r in outcome["done"]] == ["uploads/2026/11/Happy Face.jpg"]
    made = keys(s3, "renditions/")
    assert made == sorted(
        [
            f"renditions/2026/11/Happy Face/{w}.{ext}"
            for w in (320, 640, 960, 1280)
            for ext in ("jpg", "webp", "avif")
        ]
        + ["renditions/2026/11/Happy Face/manifest.json"]
    )
    webp = s3.head_object(Bucket=BUCKET, Key="renditions/2026/11/Happy Face/640.webp")
    assert webp["ContentType"] == "image/webp"
    assert webp["CacheControl"] == "public, max-age=31536000, immutable"
    assert (
        s3.head_object(Bucket=BUCKET, Key="renditions/2026/11/Happy Face/640.jpg")["ContentType"]
        == "image/jpeg"
    )
    manifest = json.loads(
        s3.get_object(Bucket=BUCKET, Key="renditions/2026/11/Happy Face/manifest.json")["Body"].read()
    )
    assert manifest["status"] == "done"
    assert {(r["width"], r["format"]) for r in manifest["renditions"]} == {
        (w, f) for w in (320, 640, 960, 1280) for f in ("jpeg", "webp", "avif")
    }


def test_odd_keys_are_decoded(s3):
    """Spaces (sent as `+`), a literal `+`, unicode and an upper-case extension all decode to
    the real object key."""
    event = events.load("s3-put-odd-keys.json")
    expected = ["uploads/2026/11/harbour at dawn.jpg", "uploads/2026/11/one+one=two.jpg",
                "uploads/2026/11/café crème ☕.jpg", "uploads/2026/11/IMG_0001.JPG"]  # fmt: skip
    for key in expected:
        s3.put_object(Bucket=BUCKET, Key=key, Body=jpeg((500, 400)))
    outcome = handle_s3_event(event)
    assert [r["key"] for r in outcome["done"]] == expected
    for folder in ("harbour at dawn", "one+one=two", "café crème ☕", "IMG_0001"):
        assert f"renditions/2026/11/{folder}/320.webp" in keys(s3)


def test_one_s3_client_per_container_whatever_the_records(s3, monkeypatch):
    """A warm container makes its S3 client once: not per record, not per event."""
    event = events.load("s3-put-odd-keys.json")
    for record in event["Records"]:
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        s3.put_object(Bucket=BUCKET, Key=key, Body=jpeg((400, 300)))
    made = []
    real_client = boto3.client

    def counting_client(service, *args, **kwargs):
        made.append(service)
        return real_client(service, *args, **kwargs)

    monkeypatch.setattr(boto3, "client", counting_client)
    for _ in range(2):
        assert len(route(event)["done"]) == len(event["Records"]) == 4
    assert made == ["s3"]


def test_duplicate_event_writes_the_same_renditions(s3):
    """The same event twice leaves byte-identical renditions and nothing extra."""
    s3.put_object(Bucket=BUCKET, Key="uploads/a.jpg", Body=jpeg())
    event = put_event("uploads/a.jpg")
    handle_s3_event(event)
    first = {k: s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys(s3, "renditions/")}
    handle_s3_event(event)
    second = {k: s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys(s3, "renditions/")}
    assert first == second


def test_out_of_order_events_leave_the_latest_upload(s3):
    """Two uploads to one key, their events delivered newest first: the renditions are the
    newest upload's, and a narrower re-upload leaves no stale wide rendition."""
    s3.put_object(Bucket=BUCKET, Key="uploads/b.jpg", Body=jpeg((2000, 1000)))
    older_event = put_event("uploads/b.jpg")
    s3.put_object(Bucket=BUCKET, Key="uploads/b.jpg", Body=jpeg((700, 500)))
    newer_event = put_event("uploads/b.jpg")
    handle_s3_event(newer_event)
    handle_s3_event(older_event)
    assert keys(s3, "renditions/b/") == [
        "renditions/b/320.avif", "renditions/b/320.jpg", "renditions/b/320.webp",
        "renditions/b/640.avif", "renditions/b/640.jpg", "renditions/b/640.webp",
        "renditions/b/manifest.json",
    ]  # fmt: skip


def test_a_rendition_key_never_triggers_work(s3):
    """An event for one of our own renditions is skipped: the function cannot loop."""
    outcome = handle_s3_event(events.load("s3-put-rendition-key.json"))
    assert outcome["done"] == [] and len(outcome["skipped"]) == 1
    assert keys(s3) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"", "empty"), (b"<svg onload=alert(1)></svg>", "not_an_image"), (jpeg()[:2000], "truncated")],
)
def test_bad_upload_is_rejected_for_good(s3, body, reason):
    """A zero-byte, non-image or truncated upload is recorded as rejected with its reason,
    leaves no rendition (not even an old one), and is not retried (no exception)."""
    s3.put_object(Bucket=BUCKET, Key="uploads/c.jpg", Body=jpeg())
    event = put_event("uploads/c.jpg")
    handle_s3_event(event)
    s3.put_object(Bucket=BUCKET, Key="uploads/c.jpg", Body=body)
    outcome = handle_s3_event(event)
    assert outcome["rejected"][0]["reason"] == reason
    assert keys(s3, "renditions/") == ["renditions/c/manifest.json"]
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key="renditions/c/manifest.json")["Body"].read())
    assert manifest["status"] == "rejected" and manifest["reason"] == reason


def test_transient_failure_retries_only_after_the_others_are_done(s3, monkeypatch):
    """S3 failing for one record does not stop the next; the invocation then raises so
    Lambda retries, and the retry (now working) finishes the job."""
    from botocore.exceptions import EndpointConnectionError

    from thumbnails import objects

    s3.put_object(Bucket=BUCKET, Key="uploads/d1.jpg", Body=jpeg())
    s3.put_object(Bucket=BUCKET, Key="uploads/d2.jpg", Body=jpeg())
    event = put_event("uploads/d1.jpg")
    event["Records"].append(put_event("uploads/d2.jpg")["Records"][0])

    real_read = objects.S3Objects.read

    def flaky_read(self, key):
        if key == "uploads/d1.jpg":
            raise EndpointConnectionError(endpoint_url="https://s3.eu-west-1.amazonaws.com")
        return real_read(self, key)

    monkeypatch.setattr(objects.S3Objects, "read", flaky_read)
    with pytest.raises(TransientFailure, match=r"d1\.jpg"):
        handle_s3_event(event)
    assert "renditions/d2/640.webp" in keys(s3)
    assert keys(s3, "renditions/d1/") == []

    monkeypatch.setattr(objects.S3Objects, "read", real_read)
    outcome = handle_s3_event(event)
    assert len(outcome["done"]) == 2


def test_object_deleted_before_the_event_runs(s3):
    """An upload deleted before its event arrives is skipped, not retried forever."""
    outcome = handle_s3_event(put_event("uploads/gone.jpg"))
    assert outcome["skipped"][0]["why"] == "object no longer exists"


def test_malformed_record_does_not_block_the_others(s3):
    """A record missing its `s3` part is dropped with a log; the next record is handled."""
    s3.put_object(Bucket=BUCKET, Key="uploads/e.jpg", Body=jpeg())
    event = put_event("uploads/e.jpg")
    event["Records"].insert(0, {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put"})
    outcome = handle_s3_event(event)
    assert len(outcome["done"]) == 1 and len(outcome["skipped"]) == 1


def test_local_folder_mode_writes_the_same_renditions(tmp_path, monkeypatch):
    """On the embedded defaults the same handler, given the app's own event for the local
    bucket, writes renditions into the media folder."""
    from common.events import s3_object_created_event
    from thumbnails.objects import LOCAL_BUCKET, local_media_root

    source = tmp_path / "uploads" / "2026" / "11" / "my photo.jpg"
    source.parent.mkdir(parents=True)
    source.write_bytes(jpeg((800, 600)))
    with local_media_root(tmp_path):
        outcome = route(
            s3_object_created_event(LOCAL_BUCKET, "uploads/2026/11/my photo.jpg", source.stat().st_size)
        )
    assert len(outcome["done"]) == 1
    assert (tmp_path / "renditions/2026/11/my photo/640.webp").is_file()
    assert (
        json.loads((tmp_path / "renditions/2026/11/my photo/manifest.json").read_text())["status"] == "done"
    )


def test_objects_s3_refused_to_delete_are_not_taken_as_deleted(s3):
    """DeleteObjects answers 200 with per-key errors when a key is refused: that is a failure,
    not a silent success (old renditions would stay behind, served for a year)."""
    from botocore.stub import Stubber

    from thumbnails.objects import DeleteRefused, S3Objects

    objects = S3Objects(BUCKET)
    with Stubber(objects.client) as stub:
        stub.add_response(
            "delete_objects",
            {"Deleted": [{"Key": "renditions/a/320.jpg"}],
             "Errors": [{"Key": "renditions/a/640.jpg", "Code": "AccessDenied", "Message": "Access Denied"}]},
        )  # fmt: skip
        with pytest.raises(DeleteRefused, match=r"1 of 2 object.*640\.jpg.*AccessDenied"):
            objects.delete(["renditions/a/320.jpg", "renditions/a/640.jpg"])
