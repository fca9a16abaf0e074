"""AWS-shaped events and local delivery, for every layer.

In AWS, S3, DynamoDB streams and EventBridge deliver events to the function. On the embedded
defaults nothing does, so the code that causes an event (an upload stored, a subscriber
written) builds the one AWS would send, in the same JSON shape (the builders below; a test
holds them to AWS's documented shapes), and hands it to `deliver_locally`. Delivering is the
top layer's job (dispatch.local, through the same router the Lambda function uses): it
registers itself here when the app starts, so domain code never imports it. With no deliverer
registered (on Lambda, or with LOCAL_EVENTS off) nothing is delivered: AWS does it."""

import hashlib
import itertools
import os
import time
import urllib.parse
from datetime import UTC, datetime

_deliverer = None

LOCAL_REGION = "local-1"
_sequence = itertools.count(int(time.time() * 1000) * 1000)


def local_delivery_enabled():
    """On unless explicitly turned off; Lambda never delivers locally (AWS does it)."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return False
    return os.environ.get("LOCAL_EVENTS", "true").lower() not in {"0", "false", "no", "off"}


def now_iso():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def s3_object_created_event(bucket, key, size, etag="", region=LOCAL_REGION):
    """The `ObjectCreated:Put` notification S3 sends, key URL-encoded as S3 encodes it."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": now_iso(),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "local"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": "LOCAL", "x-amz-id-2": "LOCAL"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "local-uploads",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "local"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        # S3 encodes keys like a form value: spaces become "+".
                        "key": urllib.parse.quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag,
                        "sequencer": f"{next(_sequence):018X}",
                    },
                },
            }
        ]
    }


def dynamodb_stream_event(table, event_name, keys, new_image=None, old_image=None, region=LOCAL_REGION):
    """One stream record as a `NEW_IMAGE` stream delivers it; images in DynamoDB JSON."""
    sequence = str(next(_sequence))
    record = {
        "eventID": sequence,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": {
            "ApproximateCreationDateTime": int(time.time()),
            "Keys": keys,
            "SequenceNumber": sequence,
            "SizeBytes": len(repr(new_image or keys)),
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": f"arn:aws:dynamodb:{region}:000000000000:table/{table}/stream/local",
    }
    if new_image is not None:
        record["dynamodb"]["NewImage"] = new_image
    if old_image is not None:
        record["dynamodb"]["OldImage"] = old_image
    return {"Records": [record]}


def sqs_event(messages, queue="newsletter", region=LOCAL_REGION):
    """The batch Lambda's SQS event source mapping hands the function: one record per received
    message (`id`, `receipt`, `body`, `receives`, `sent_at` and `first_received_at` in epoch
    seconds, as newsletter.queue.LocalQueue gives them)."""
    records = []
    for message in messages:
        body = message["body"]
        records.append({
            "messageId": message["id"],
            "receiptHandle": message.get("receipt") or message["id"],
            "body": body,
            "attributes": {
                "ApproximateReceiveCount": str(message.get("receives", 1)),
                "SentTimestamp": str(int(message.get("sent_at", time.time()) * 1000)),
                "SenderId": "LOCAL",
                "ApproximateFirstReceiveTimestamp": str(
                    int(message.get("first_received_at", time.time()) * 1000)
                ),
            },
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{region}:000000000000:{queue}",
            "awsRegion": region,
        })  # fmt: skip
    return {"Records": records}


def scheduled_event(task, function="blog-local", region=LOCAL_REGION):
    """The event EventBridge sends for Zappa's `rate(1 minute)` rule `<function>-<task>`."""
    return {
        "version": "0",
        "id": f"local-{next(_sequence)}",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": now_iso()[:19] + "Z",
        "region": region,
        "resources": [f"arn:aws:events:{region}:000000000000:rule/{function}-{task}"],
        "detail": {},
    }


def api_gateway_request(path, host, stage="dev", method="GET", client_ip="203.0.113.9"):
    """The REST API (v1) proxy event API Gateway sends for a request through `host`; the
    package test and the cold-start bench play it to the packaged function."""
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {
            "Host": host,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": client_ip,
            "Accept": "text/html",
        },
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "stage": stage,
            "path": f"/{stage}{path}",
            "httpMethod": method,
            "identity": {"sourceIp": client_ip},
            "domainName": host,
        },
        "body": None,
        "isBase64Encoded": False,
    }


def set_local_deliverer(deliver):
    """Register `deliver(event)` (dispatch.local's, at start-up) as the local delivery."""
    global _deliverer
    _deliverer = deliver


def deliver_locally(event):
    """Deliver `event` now, as AWS would, where this app delivers its own events; returns the
    handler's answer, or None where AWS delivers (Lambda) or local delivery is off."""
    if _deliverer is None or not local_delivery_enabled():
        return None
    return _deliverer(event)
