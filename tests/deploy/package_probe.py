"""Runs inside a fresh Python 3.12 process (`python -S`) whose imports come from the unpacked
Lambda package first, with the dev venv's site-packages appended after it so moto (standing in
for AWS) and boto3 (which Lambda provides) can be found. Prints one JSON report.

Usage: python -S package_probe.py <unpacked package dir> <dev site-packages> <work dir> <corpus dir>
"""

import io
import json
import os
import sys

PACKAGE, DEV_SITE, WORK, CORPUS = sys.argv[1:5]
sys.path[:] = [PACKAGE, *[p for p in sys.path if p and "site-packages" not in p], DEV_SITE]
os.chdir(PACKAGE)  # Lambda's working directory is the package root

REGION = "eu-west-1"
# Lambda's environment is what zappa_settings.json gives it, nothing from the test run's shell
# (CI sets DATABASE_URL for the PostgreSQL pass: here the database URL comes from SSM).
for name in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "PAGE_CACHE_ENABLED", "LOCAL_EVENTS"):
    os.environ.pop(name, None)
os.environ.update(
    {
        "AWS_LAMBDA_FUNCTION_NAME": "blog-dev",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "DJANGO_SETTINGS_MODULE": "blog.settings",
        "SSM_PREFIX": "/blog/dev/",
        "ALLOWED_HOSTS": "abc123.execute-api.eu-west-1.amazonaws.com",
        "SITE_URL": "https://blog.example.com",
        "MEDIA_BUCKET": "blog-dev-media",
        "SUBSCRIBERS_TABLE": "blog-dev-subscribers",
        "DEFAULT_FROM_EMAIL": "Field Notes <hello@blog.example.com>",
        # The topic SAM's reference SNS event comes from: the only one the function trusts.
        "SES_NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:ExampleTopic",
        "VAR_DIR": WORK,
    }
)
report = {}


def _corpus(*parts):
    with open(os.path.join(CORPUS, *parts)) as file:
        return json.load(file)


def _stream_records(dynamodb, table):
    """The table's stream read back as Lambda delivers it (JSON types, the stream ARN)."""
    import boto3

    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    # moto answers on the regional streams endpoint, not botocore's account-based one.
    streams = boto3.client(
        "dynamodbstreams", region_name=REGION, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
    )
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    for record in records:
        record["eventSourceARN"] = arn
    return json.loads(json.dumps(records, default=lambda value: int(value.timestamp())))


def _sent_count():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def _jpeg():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1000, 700), (200, 100, 50)).save(buffer, "JPEG")
    return buffer.getvalue()


def main():
    from moto import mock_aws

    with mock_aws():
        import boto3

        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(Name="/blog/dev/secret-key", Value="p" * 30 + "Q7#x!z" * 5, Type="SecureString")
        ssm.put_parameter(
            Name="/blog/dev/database-url", Value=f"sqlite:///{WORK}/db.sqlite3", Type="SecureString"
        )
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="blog-dev-media", CreateBucketConfiguration={"LocationConstraint": REGION})

        from dispatch.entry import handler

        report["entry_file"] = sys.modules["dispatch.entry"].__file__

        # First event of the process: an upload. It must not pay for Django's start-up.
        s3.put_object(Bucket="blog-dev-media", Key="uploads/2026/11/dawn.jpg", Body=_jpeg())
        put = _corpus("aws-sam-cli", "S3Put.json")
        put["Records"][0]["s3"]["bucket"]["name"] = "blog-dev-media"
        put["Records"][0]["s3"]["object"]["key"] = "uploads/2026/11/dawn.jpg"
        outcome = handler(put, None)
        listing = s3.list_objects_v2(Bucket="blog-dev-media", Prefix="renditions/").get("Contents", [])
        report["s3"] = {
            "done": len(outcome["done"]),
            "renditions": sorted(item["Key"] for item in listing),
            "django_loaded": "django" in sys.modules,
        }

        scheduled = {
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "resources": [f"arn:aws:events:{REGION}:123456789012:rule/blog-dev-blog.tasks.publish_due_posts"],
        }
        report["manage"] = handler({"manage": "migrate --noinput"}, None)
        report["django_file"] = sys.modules["django"].__file__
        report["schedule"] = handler(scheduled, None)
        from dispatch.local import api_gateway_request

        response = handler(api_gateway_request("/", "abc123.execute-api.eu-west-1.amazonaws.com"), None)
        report["http"] = {
            "status": response["statusCode"],
            "content_type": response["headers"].get("Content-Type"),
            "cache_control": response["headers"].get("Cache-Control"),
            "has_site_name": "Field Notes" in response["body"],
        }
        # A reader subscribes (the store's conditional put), and the stream delivers the insert.
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName="blog-dev-subscribers",
            KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity="blog.example.com")
        from welcome import services

        services.subscribe("Reader@Example.COM")
        records = _stream_records(dynamodb, "blog-dev-subscribers")
        report["stream"] = handler({"Records": records}, None)
        report["stream_replayed"] = handler({"Records": records}, None)
        report["emails_sent"] = _sent_count()

        bounce = _corpus("ses-notifications", "notification-examples-bounce-no-dsn.json")
        sns = _corpus("aws-sam-cli", "Sns.json")
        sns["Records"][0]["Sns"]["Message"] = json.dumps(bounce)
        handler(sns, None)
        bounced = bounce["bounce"]["bouncedRecipients"][0]["emailAddress"]
        item = dynamodb.get_item(TableName="blog-dev-subscribers", Key={"email": {"S": bounced}}).get(
            "Item", {}
        )
        report["bounce_status"] = item.get("status", {}).get("S")

        try:
            handler({"Records": [{"eventSource": "aws:kinesis"}]}, None)
            report["unknown_records"] = "accepted"
        except Exception as exc:
            report["unknown_records"] = type(exc).__name__
    print(json.dumps(report))


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")
    main()
