"""Static files go to the static bucket with hashed names and a year-long immutable
Cache-Control, as `zappa manage <stage> "collectstatic --noinput"` runs it in AWS."""

import boto3
import pytest
from django.core.management import call_command

from tests.aws import mocked_aws


@pytest.fixture
def static_bucket(settings, monkeypatch):
    with mocked_aws(monkeypatch):
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(
            Bucket="blog-test-static", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        # The settings module builds exactly this when STATIC_BUCKET is set.
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
                "OPTIONS": {
                    "bucket_name": "blog-test-static",
                    "location": "static",
                    "querystring_auth": False,
                    "custom_domain": "blog.example.com",
                    "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
                },
            },
        }
        yield s3


def test_collectstatic_uploads_hashed_immutable_files(static_bucket, settings):
    """Our stylesheet and the admin's files land under static/ with content hashes, each
    cached for a year as immutable, and templates link the hashed name on the public host."""
    from django.templatetags.static import static

    call_command("collectstatic", "--noinput", verbosity=0)
    keys = {o["Key"] for page in static_bucket.get_paginator("list_objects_v2").paginate(Bucket="blog-test-static")
            for o in page.get("Contents", [])}  # fmt: skip
    hashed_css = [
        k
        for k in keys
        if k.startswith("static/blog/site.") and k.endswith(".css") and k != "static/blog/site.css"
    ]
    assert hashed_css, sorted(keys)[:20]
    assert "static/staticfiles.json" in keys
    assert any(k.startswith("static/admin/css/base.") for k in keys)
    head = static_bucket.head_object(Bucket="blog-test-static", Key=hashed_css[0])
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"] == "text/css"

    url = static("blog/site.css")
    assert (
        url.startswith("https://blog.example.com/static/blog/site.")
        and url != "https://blog.example.com/static/blog/site.css"
    )
