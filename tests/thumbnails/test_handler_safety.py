"""The S3 handler against moto, where one photo's event could harm another photo, or a newer
upload of the same one, or where an odd record or file could be retried forever."""

import json

import pytest
from PIL import Image

from tests.thumbnails.pictures import encode, with_repeated_scan
from tests.thumbnails.test_handler import BUCKET, jpeg, keys, put_event, s3  # noqa: F401 (fixture)
from thumbnails import images, objects, rendering
from thumbnails.handler import TransientFailure, handle_s3_event
from thumbnails.objects import LocalObjects
from thumbnails.rendering import render_object


def event(*upload_keys):
    records = [put_event(key)["Records"][0] for key in upload_keys]
    return {"Records": records}


def manifest(s3, folder):  # noqa: F811
    return json.loads(s3.get_object(Bucket=BUCKET, Key=f"renditions/{folder}/manifest.json")["Body"].read())


def rendered(folder, widths):
    return sorted(
        [f"renditions/{folder}/{w}.{ext}" for w in widths for ext in ("jpg", "webp", "avif")]
        + [f"renditions/{folder}/manifest.json"]
    )


# --- another photo's renditions -------------------------------------------------------


def test_a_photo_named_like_a_folder_leaves_the_folder_alone(s3):  # noqa: F811
    """`trip.jpg`'s renditions share a folder with those of `trip/beach.jpg` (in `beach/`):
    making, remaking narrower and rejecting `trip.jpg` only ever touch its own files."""
    s3.put_object(Bucket=BUCKET, Key="uploads/2026/11/trip/beach.jpg", Body=jpeg())
    handle_s3_event(event("uploads/2026/11/trip/beach.jpg"))
    beach = rendered("2026/11/trip/beach", (320, 640, 960, 1280))
    assert keys(s3, "renditions/2026/11/trip/beach/") == beach

    for body, own in [(jpeg((1000, 700)), (320, 640, 960)), (jpeg((500, 400)), (320,)), (b"oops", ())]:
        s3.put_object(Bucket=BUCKET, Key="uploads/2026/11/trip.jpg", Body=body)
        handle_s3_event(event("uploads/2026/11/trip.jpg"))
        assert keys(s3, "renditions/2026/11/trip/") == sorted(rendered("2026/11/trip", own) + beach)
    assert manifest(s3, "2026/11/trip")["reason"] == "not_an_image"
    assert manifest(s3, "2026/11/trip/beach")["status"] == "done"


def test_a_rejected_upload_named_like_a_year_leaves_the_year_alone(s3):  # noqa: F811
    """A rejected `uploads/2026.png` used to delete everything under `renditions/2026/`."""
    s3.put_object(Bucket=BUCKET, Key="uploads/2026/11/a.jpg", Body=jpeg())
    handle_s3_event(event("uploads/2026/11/a.jpg"))
    before = keys(s3, "renditions/2026/11/")
    s3.put_object(Bucket=BUCKET, Key="uploads/2026.png", Body=b"not an image")
    assert handle_s3_event(event("uploads/2026.png"))["rejected"][0]["reason"] == "not_an_image"
    assert keys(s3, "renditions/2026/") == [*before, "renditions/2026/manifest.json"]


def test_on_disk_too_only_the_photos_own_files_go(tmp_path):
    """The same in local-folder mode: a re-upload's clean-up stays out of sub-folders."""
    store = LocalObjects(tmp_path)
    for key, size in [("uploads/trip/beach.jpg", (700, 500)), ("uploads/trip.jpg", (700, 500))]:
        store.write(key, jpeg(size), "image/jpeg", "")
        assert render_object(store, key)["status"] == "done"
    store.write("uploads/trip.jpg", jpeg((400, 300)), "image/jpeg", "")
    render_object(store, "uploads/trip.jpg")
    files = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "renditions").rglob("*.*"))
    assert files == [
        "renditions/trip/320.avif", "renditions/trip/320.jpg", "renditions/trip/320.webp",
        "renditions/trip/beach/320.avif", "renditions/trip/beach/320.jpg", "renditions/trip/beach/320.webp",
        "renditions/trip/beach/640.avif", "renditions/trip/beach/640.jpg", "renditions/trip/beach/640.webp",
        "renditions/trip/beach/manifest.json", "renditions/trip/manifest.json",
    ]  # fmt: skip


# --- a newer upload of the same photo -------------------------------------------------

KEY = "uploads/2026/11/p-1.jpg"


def newer_upload_lands(s3, *, processed=True):  # noqa: F811
    """The editor uploads a good photo over KEY; with `processed`, its own event runs to the end."""
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=jpeg((1000, 800)))
    if processed:
        assert handle_s3_event(event(KEY))["done"]


def assert_the_newer_upload_stands(s3):  # noqa: F811
    assert keys(s3, "renditions/2026/11/p-1/") == rendered("2026/11/p-1", (320, 640, 960))
    current = s3.head_object(Bucket=BUCKET, Key=KEY)["ETag"]
    assert manifest(s3, "2026/11/p-1") | {"renditions": None} == {
        "status": "done", "key": KEY, "etag": current, "renditions": None,
    }  # fmt: skip


def test_a_slow_rejection_leaves_a_newer_upload_alone(s3, monkeypatch):  # noqa: F811
    """While a truncated upload is being decoded, a good one replaces it and is rendered: the
    rejection, finishing last, must neither delete those renditions nor overwrite the manifest."""
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=jpeg()[:3000])
    real = rendering.render_renditions

    def slow(data, **options):
        monkeypatch.setattr(rendering, "render_renditions", real)  # the newer event's is quick
        newer_upload_lands(s3)
        return real(data, **options)

    monkeypatch.setattr(rendering, "render_renditions", slow)
    outcome = handle_s3_event(event(KEY))
    assert outcome["rejected"] == []
    assert outcome["skipped"] == [{"status": "skipped", "key": KEY, "why": "source changed while rendering"}]
    assert_the_newer_upload_stands(s3)


def test_a_too_large_upload_replaced_meanwhile_leaves_the_newer_one_alone(s3, monkeypatch):  # noqa: F811
    """The same for an upload over the size limit, refused without being read."""
    monkeypatch.setattr(objects, "MAX_SOURCE_BYTES", 1000)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=jpeg())
    real = objects.S3Objects.read

    def read_then_replaced(self, key):
        result = real(self, key)
        monkeypatch.setattr(objects.S3Objects, "read", real)  # the newer event's is ordinary
        monkeypatch.setattr(objects, "MAX_SOURCE_BYTES", 80 * 2**20)
        newer_upload_lands(s3)
        return result

    monkeypatch.setattr(objects.S3Objects, "read", read_then_replaced)
    assert handle_s3_event(event(KEY))["skipped"][0]["why"] == "source changed while rendering"
    assert_the_newer_upload_stands(s3)


def test_an_upload_landing_while_renditions_are_written_gets_no_older_manifest(s3, monkeypatch):  # noqa: F811
    """A newer upload landing while the older one's renditions are being written: the older
    manifest is not written over it, and the newer event then finishes the job."""
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=jpeg((1400, 900)))
    real = objects.S3Objects.write

    def write(self, key, *args):
        monkeypatch.setattr(objects.S3Objects, "write", real)  # once: at the first rendition
        newer_upload_lands(s3, processed=False)
        return real(self, key, *args)

    monkeypatch.setattr(objects.S3Objects, "write", write)
    assert handle_s3_event(event(KEY))["skipped"][0]["why"] == "source changed while rendering"
    assert "renditions/2026/11/p-1/manifest.json" not in keys(s3)
    assert handle_s3_event(event(KEY))["done"]
    assert_the_newer_upload_stands(s3)


# --- files and records that used to be retried forever --------------------------------


def png(size):
    return encode(Image.new("RGB", size, "white"), "PNG")


def scan_bomb():
    return with_repeated_scan(encode(Image.new("L", (2000, 2000)), "JPEG", progressive=True), 500)


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (png((1080, 30_000)), "done", [(320, 8889, "jpeg"), (320, 8889, "webp"), (320, 8889, "avif")]),
        (png((10, 70_000)), "rejected", "too_tall"),
        (scan_bomb(), "rejected", "too_many_scans"),
    ],
    ids=["long screenshot", "too tall for any width", "scan bomb"],
)
def test_files_past_the_encoders_limits_get_a_manifest(s3, body, status, detail):  # noqa: F811
    """A tall screenshot used to raise (WebP's 16,383 px limit) and be retried forever with
    no manifest, a scan bomb to run past the Lambda's timeout: each now gets its outcome."""
    s3.put_object(Bucket=BUCKET, Key="uploads/tall.png", Body=body)
    outcome = handle_s3_event(event("uploads/tall.png"))
    written = manifest(s3, "tall")
    assert written["status"] == status and outcome[status][0]["key"] == "uploads/tall.png"
    if status == "done":
        assert [(r["width"], r["height"], r["format"]) for r in written["renditions"]] == detail
    else:
        assert written["reason"] == detail
        assert keys(s3, "renditions/tall/") == ["renditions/tall/manifest.json"]


def test_running_out_of_memory_while_encoding_is_retried(s3, monkeypatch):  # noqa: F811
    """Not the file's fault: no rejected manifest; the invocation raises for a retry."""

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(images, "_save", out_of_memory)
    s3.put_object(Bucket=BUCKET, Key="uploads/m.jpg", Body=jpeg())
    with pytest.raises(TransientFailure, match="MemoryError"):
        handle_s3_event(event("uploads/m.jpg"))
    assert keys(s3, "renditions/") == []


def spoiled(**changes):
    def change(record):
        for path, value in changes.items():
            *parents, last = path.split(".")
            target = record
            for part in parents:
                target = target[part]
            target[last] = value
        return record

    return change


@pytest.mark.parametrize(
    "spoil",
    [
        spoiled(eventName=None),
        spoiled(eventName=5),
        spoiled(**{"s3.bucket.name": None}),
        spoiled(**{"s3.bucket.name": "not a bucket!"}),
        spoiled(**{"s3.object.key": None}),
        spoiled(**{"s3.object.key": 12345}),
        spoiled(**{"s3.object": ["x"]}),
        spoiled(s3=None),
        lambda record: None,
        lambda record: "x",
    ],
    ids=["eventName None", "eventName int", "bucket None", "bucket invalid", "key None", "key int",
         "object a list", "s3 None", "record None", "record a string"],
)  # fmt: skip
def test_a_malformed_record_is_skipped_and_the_others_still_run(s3, spoil):  # noqa: F811
    """An odd record (sent by hand, or by a broken tool) is skipped for good with its reason
    logged: not retried, and the good record after it is still handled."""
    s3.put_object(Bucket=BUCKET, Key="uploads/good.jpg", Body=jpeg())
    bad = event("uploads/bad.jpg")["Records"][0]
    outcome = handle_s3_event({"Records": [spoil(bad), *event("uploads/good.jpg")["Records"]]})
    assert [r["key"] for r in outcome["done"]] == ["uploads/good.jpg"]
    [skipped] = outcome["skipped"]
    assert skipped["key"] is None and skipped["why"].startswith("malformed record: ")
    assert outcome["transient"] == []


@pytest.mark.parametrize("records", [None, "x", {"s3": {}}])
def test_an_event_whose_records_are_not_a_list_is_skipped(s3, records, caplog):  # noqa: F811
    outcome = handle_s3_event({"Records": records})
    assert outcome["skipped"][0]["why"].startswith("malformed record: `Records` is a")
    assert "Malformed S3 record" in caplog.text


def test_an_upload_key_too_long_for_its_renditions_is_skipped_not_retried(s3):  # noqa: F811
    """S3 keys stop at 1,024 bytes and the manifest's key is longer than the upload's: an
    upload key near the limit could never get its manifest written, so it is skipped (with an
    error logged), not failed again on every retry. The key one byte shorter still works."""
    room = 1024 - len("renditions/") - len("/manifest.json")
    fits = "uploads/" + "a" * room + ".jpg"  # the manifest's key: exactly 1,024 bytes
    too_long = "uploads/" + "b" * (room + 1) + ".jpg"
    for key in (fits, too_long):
        s3.put_object(Bucket=BUCKET, Key=key, Body=jpeg())
    outcome = handle_s3_event(event(fits, too_long))
    assert [r["key"] for r in outcome["done"]] == [fits]
    [skipped] = outcome["skipped"]
    assert skipped["key"] == too_long and "too long" in skipped["why"]
    assert outcome["transient"] == []
