"""Lambda as the rehearsal plays it, around one warm container of the packaged function
(runtime.py): the limits it enforces, and the wiring that delivers events to it.

- Synchronous invocations (API Gateway) carry at most 6 MB each way: a bigger request or
  response is refused as AWS refuses it. API Gateway gives up after 29 s.
- Asynchronous ones (S3, schedules, SNS) carry at most 256 KB; a failure is retried as the
  function's event invoke config says (the edge stack's, as deployed), then sent (as the
  function's role) to its on-failure destination, in the record shape Lambda's destinations use.
- S3 notifications: after every invocation the media bucket is compared with what it held,
  and each object created under the prefix of the notification Zappa configured on the bucket
  becomes an `ObjectCreated:Put` record, so renditions written elsewhere can be seen not to
  trigger.
- The stream trigger: the event source mapping the edge stack made (its filter, batch size,
  partial batch responses, retries and on-failure destination), polling the table's stream
  as the function's role, as Lambda's poller does.
- The newsletter trigger: the queue mapping the edge stack made (its batch size and partial
  batch responses), receiving from the queue as the function's role, deleting what succeeded
  and leaving the rest to the queue's visibility timeout and redrive policy, as Lambda does.

Every IAM decision moto made while the function (or its poller) worked is kept with the
invocation: a refusal there is a failure of the rehearsal, even where the app caught it."""

import base64
import itertools
import json
import os
import select
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tests.rehearsal.account import ACCOUNT, REGION

SYNC_LIMIT = 6 * 1024 * 1024
ASYNC_LIMIT = 256 * 1024
API_GATEWAY_SECONDS = 29
RUNTIME_LIBRARIES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")


class PayloadTooLarge(Exception):
    """What Lambda answers (413 RequestEntityTooLargeException, or a response it drops)."""


@dataclass
class Invocation:
    event: dict
    ok: bool
    result: object = None
    error: str = ""
    ms: int = 0
    init_ms: int | None = None
    log: str = ""
    denied: list = field(default_factory=list)
    allowed: set = field(default_factory=set)
    modules: dict = field(default_factory=dict)
    kind: str = "sync"


def runtime_libraries(target):
    """A folder with what Lambda's python3.12 runtime provides besides the standard library:
    boto3 and its dependencies (zappa_settings excludes them from the package)."""
    import boto3

    site = Path(boto3.__file__).resolve().parents[1]
    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_LIBRARIES:
        (target / name).symlink_to(site / name)
    return target


class Lambda:
    def __init__(self, account, package, libraries, environment, log_path):
        self.account = account
        self.package = package
        self.log_path = log_path
        self.invocations = []
        self._sequence = itertools.count(1)
        functions = account.client("lambda")
        self.async_config = functions.get_function_event_invoke_config(FunctionName=account.function_name)
        mappings = functions.list_event_source_mappings(FunctionName=account.function_name)[
            "EventSourceMappings"
        ]
        [self.trigger] = [m for m in mappings if ":dynamodb:" in m["EventSourceArn"]]
        [self.queue_trigger] = [m for m in mappings if ":sqs:" in m["EventSourceArn"]]
        self.bucket = account.outputs["data"]["MediaBucketName"]
        notifications = account.client("s3").get_bucket_notification_configuration(Bucket=self.bucket)
        [self.s3_trigger] = notifications["LambdaFunctionConfigurations"]
        self._objects = {}
        self._stream_position = None
        self._log = open(log_path, "ab")  # noqa: SIM115 - the runtime writes to it for its life
        read_results, self._result_pipe = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-S", str(Path(__file__).with_name("runtime.py")), str(package), str(libraries),
             str(self._result_pipe), "dispatch.entry.handler"],
            cwd=package, env=environment, stdin=subprocess.PIPE, stdout=self._log, stderr=subprocess.STDOUT,
            pass_fds=(self._result_pipe,), text=True,
        )  # fmt: skip
        os.close(self._result_pipe)
        self._results = os.fdopen(read_results, encoding="utf-8")
        self.snapshot()

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self._log.close()

    # --- invocations ---------------------------------------------------------------------

    def _invoke(self, event, kind, timeout=60):
        payload = json.dumps(event)
        # Synchronous callers (API Gateway, the stream poller) get 6 MB; asynchronous ones 256 KB.
        limit = ASYNC_LIMIT if kind == "async" else SYNC_LIMIT
        if len(payload.encode()) > limit:
            raise PayloadTooLarge(
                f"request payload of {len(payload.encode()):,} bytes; Lambda takes {limit:,}"
            )
        self.account.server.forget_decisions()
        start_of_log = self.log_path.stat().st_size
        self.process.stdin.write(json.dumps({"event": event, "timeout_ms": timeout * 1000}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self._results], [], [], timeout + 30)
        if not ready:
            raise TimeoutError(f"the function did not answer within {timeout} s")
        line = self._results.readline()
        if not line:
            raise RuntimeError(f"the runtime died:\n{self.log_path.read_text()[-5000:]}")
        answer = json.loads(line)
        if answer["ok"] and len(json.dumps(answer["result"]).encode()) > SYNC_LIMIT:
            raise PayloadTooLarge("response payload over 6 MB: Lambda drops it")
        time.sleep(0.05)  # let the runtime's last log lines reach the file
        with self.log_path.open("rb") as log:
            log.seek(start_of_log)
            text = log.read().decode("utf-8", "replace")
        invocation = Invocation(
            event=event, ok=answer["ok"], result=answer.get("result"), kind=kind, ms=answer["ms"],
            error="" if answer["ok"] else f"{answer['errorType']}: {answer['errorMessage']}",
            init_ms=answer.get("init_ms"), log=text, modules=answer.get("modules", {}),
            **self._decided(),
        )  # fmt: skip
        self.invocations.append(invocation)
        return invocation

    def _decided(self):
        """{"denied": [refusals], "allowed": {actions}} for the function's role since the last clear."""
        mine = [d for d in self.account.server.decisions() if d["key"] == self.account.function.access_key]
        return {
            "denied": [d for d in mine if not d["allowed"]],
            "allowed": {d["action"] for d in mine if d["allowed"]},
        }

    def _denials(self):
        return self._decided()["denied"]

    def invoke(self, event, timeout=60):
        """A synchronous invocation (`zappa manage`, `zappa invoke`, API Gateway); then S3 and
        the stream deliver whatever it caused."""
        invocation = self._invoke(event, "sync", timeout)
        self.settle()
        return invocation

    def invoke_async(self, event):
        """S3, EventBridge and SNS's way: retries, then the on-failure destination."""
        attempts = []
        for _ in range(1 + int(self.async_config["MaximumRetryAttempts"])):
            attempts.append(self._invoke(event, "async"))
            if attempts[-1].ok:
                return attempts
        self._send_to_destination(self.async_config["DestinationConfig"]["OnFailure"]["Destination"], {
            "version": "1.0",
            "timestamp": _now(),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.account.function_name}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": len(attempts),
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorType": attempts[-1].error.split(":")[0], "errorMessage": attempts[-1].error},
        })  # fmt: skip
        return attempts

    def _send_to_destination(self, destination, record):
        # Lambda sends to a destination with the function's own role: the role needs it.
        queue_arn = destination
        self.account.server.forget_decisions()
        sqs = self.account.client("sqs", self.account.function)
        url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
        denied = self._denials()
        assert not denied, f"Lambda could not deliver to the on-failure destination as the role: {denied}"

    # --- what AWS delivers after a change ---------------------------------------------------

    def settle(self, rounds=5):
        """Deliver S3 notifications and stream records until nothing new happens. More than
        `rounds` rounds would mean the function keeps triggering itself."""
        for _ in range(rounds):
            created = self.snapshot()
            batches = self.poll_stream()
            batches += self.poll_queue()
            if not created and not batches:
                return
            for key in created:
                self.invoke_async(s3_put_event(self.bucket, key, next(self._sequence)))
        raise AssertionError("events kept coming: the function triggers itself")

    def snapshot(self):
        """The keys created or overwritten since the last look that the S3 trigger covers."""
        s3 = self.account.client("s3")
        now = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            now.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
        changed = [k for k, etag in now.items() if self._objects.get(k) != etag and self._covered(k)]
        self._objects = now
        return sorted(changed)

    def _covered(self, key):
        rules = self.s3_trigger.get("Filter", {}).get("Key", {}).get("FilterRules", [])
        prefixes = [r["Value"] for r in rules if r["Name"].lower() == "prefix"]
        return all(key.startswith(p) for p in prefixes)

    def poll_stream(self):
        """One pass of the stream trigger: new records, filtered and batched as the edge
        stack configures it, read as the function's role. Returns the batches delivered."""
        streams = self.account.client("dynamodbstreams", self.account.function)
        arn = self.trigger["EventSourceArn"]
        self.account.server.forget_decisions()
        [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        if self._stream_position is None:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=self.trigger["StartingPosition"]
            )
        else:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=self._stream_position,
            )  # fmt: skip
        records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        denied = self._denials()
        assert not denied, f"the stream trigger could not read the stream as the role: {denied}"
        if records:
            self._stream_position = records[-1]["dynamodb"]["SequenceNumber"]
        wanted = [r for r in records if _passes(self.trigger["FilterCriteria"], r)]
        size = int(self.trigger["BatchSize"])
        batches = [wanted[i : i + size] for i in range(0, len(wanted), size)]
        for batch in batches:
            self._deliver_batch([_lambda_record(r, arn) for r in batch], arn, shard["ShardId"])
        return batches

    def _deliver_batch(self, records, arn, shard):
        for _ in range(1 + int(self.trigger["MaximumRetryAttempts"])):
            invocation = self._invoke({"Records": records}, "stream")
            failures = (invocation.result or {}).get("batchItemFailures") if invocation.ok else None
            if invocation.ok and not failures:
                return
            if failures:  # retried from the first failed record, as Lambda does
                first = failures[0]["itemIdentifier"]
                records = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) >= int(first)]
        self._send_to_destination(self.trigger["DestinationConfig"]["OnFailure"]["Destination"], {
            "requestContext": {"requestId": str(uuid.uuid4()), "condition": "RetryAttemptsExhausted",
                               "approximateInvokeCount": 1 + int(self.trigger["MaximumRetryAttempts"]),
                               "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.account.function_name}"},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": _now(),
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _now(), "approximateArrivalOfLastRecord": _now(),
                "batchSize": len(records), "streamArn": arn,
            },
        })  # fmt: skip

    def poll_queue(self, max_batches=100):
        """The newsletter trigger until the queue has nothing visible: each batch received as
        the function's role (at most the mapping's BatchSize), handed over as Lambda's SQS
        event, and the records not reported in `batchItemFailures` deleted (a failed
        invocation deletes nothing). Returns the batches delivered."""
        properties = self.queue_trigger
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        arn = properties["EventSourceArn"]
        # Lambda's poller knows the queue by its ARN; the harness finds its URL as the deployer.
        url = self.account.client("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]
        sqs = self.account.client("sqs", self.account.function)
        self.account.server.forget_decisions()
        # Lambda reads the queue's attributes (its visibility timeout) when it starts polling.
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        batches = []
        for _ in range(max_batches):
            self.account.server.forget_decisions()
            received = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(10, int(properties["BatchSize"])),
                AttributeNames=["All"], WaitTimeSeconds=0,
            ).get("Messages", [])  # fmt: skip
            denied = self._denials()
            assert not denied, f"the newsletter trigger could not receive as the role: {denied}"
            if not received:
                return batches
            invocation = self._invoke({"Records": [_sqs_record(m, arn) for m in received]}, "sqs")
            failed = {f["itemIdentifier"] for f in (invocation.result or {}).get("batchItemFailures", [])}
            done = [m for m in received if invocation.ok and m["MessageId"] not in failed]
            self.account.server.forget_decisions()
            if done:
                sqs.delete_message_batch(
                    QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)]
                )  # fmt: skip
            denied = self._denials()
            assert not denied, f"the newsletter trigger could not delete as the role: {denied}"
            batches.append(received)
        raise AssertionError("the newsletter queue never emptied")

    # --- API Gateway ----------------------------------------------------------------------

    def http(self, method, path, *, headers=None, body=b"", through_cloudfront=True, viewer="198.51.100.7"):
        """One request as API Gateway's REST proxy hands it to the function (binary support on:
        every body base64), behind CloudFront unless `through_cloudfront` is false."""
        path, _, query = path.partition("?")
        edge = "64.252.70.11"  # a CloudFront edge address
        sent = {
            "Host": self.account.api_domain,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Port": "443",
            **(headers or {}),
        }
        if through_cloudfront:
            # CloudFront appends the viewer to X-Forwarded-For, adds its secret and, on the
            # behaviours whose policy asks for it, the viewer's address; API Gateway appends
            # CloudFront's address.
            claimed = sent.get("X-Forwarded-For")
            sent["X-Forwarded-For"] = ", ".join(filter(None, [claimed, viewer, edge]))
            sent["X-Origin-Verify"] = self.account.origin_secret
            sent["Via"] = "2.0 abcdef.cloudfront.net (CloudFront)"
            if not path.startswith(("/admin/", "/preview/")):
                sent["CloudFront-Viewer-Address"] = f"{viewer}:51234"
        else:
            sent["X-Forwarded-For"] = ", ".join(filter(None, [sent.get("X-Forwarded-For"), viewer]))
        query_pairs = urllib.parse.parse_qs(query, keep_blank_values=True)
        event = {
            "resource": "/{proxy+}",
            "path": path,
            "httpMethod": method,
            "headers": sent,
            "multiValueHeaders": {k: [v] for k, v in sent.items()},
            "queryStringParameters": {k: v[-1] for k, v in query_pairs.items()} or None,
            "multiValueQueryStringParameters": query_pairs or None,
            "pathParameters": {"proxy": path.lstrip("/")},
            "stageVariables": None,
            "requestContext": {
                "resourcePath": "/{proxy+}", "httpMethod": method, "path": f"/{self.account.stage}{path}",
                "stage": self.account.stage, "requestId": str(uuid.uuid4()), "domainName": self.account.api_domain,
                "apiId": self.account.api_domain.split(".")[0], "accountId": ACCOUNT,
                "identity": {"sourceIp": edge if through_cloudfront else viewer, "userAgent": sent.get("User-Agent")},
            },
            "body": base64.b64encode(body).decode() if body else None,
            "isBase64Encoded": bool(body),
        }  # fmt: skip
        invocation = self.invoke(event, timeout=60)
        assert invocation.ok, invocation.error + "\n" + invocation.log[-3000:]
        assert invocation.ms < API_GATEWAY_SECONDS * 1000, (
            f"API Gateway gives up after 29 s: {invocation.ms} ms"
        )
        return Response(invocation)


class Response:
    def __init__(self, invocation):
        self.invocation = invocation
        result = invocation.result
        self.status = result["statusCode"]
        self.headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        self.multi = {k.lower(): v for k, v in (result.get("multiValueHeaders") or {}).items()}
        body = result.get("body") or ""
        self.body = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def cookies(self):
        jar = {}
        for line in self.multi.get("set-cookie", []):
            name, _, rest = line.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
        return jar


def _now():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _passes(criteria, record):
    # The edge stack's filters are `{"eventName": [...]}` patterns.
    patterns = [json.loads(f["Pattern"]) for f in criteria["Filters"]]
    return any(all(record.get(k) in v for k, v in p.items()) for p in patterns)


def _lambda_record(record, arn):
    # GetRecords gives datetimes; Lambda passes epoch seconds and adds the source ARN.
    record = json.loads(json.dumps(record, default=lambda v: int(v.timestamp())))
    return {**record, "eventSourceARN": arn}


def _sqs_record(message, arn):
    """A received message as Lambda's SQS event source mapping hands it to the function."""
    wanted = ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")
    return {
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
        "attributes": {k: v for k, v in message.get("Attributes", {}).items() if k in wanted},
        "messageAttributes": {}, "md5OfBody": message["MD5OfBody"], "eventSource": "aws:sqs",
        "eventSourceARN": arn, "awsRegion": REGION,
    }  # fmt: skip


def s3_put_event(bucket, key, sequence):
    """The notification S3 sends for a PUT: one record, the key URL-encoded as S3 does."""
    return {
        "Records": [
            {
                "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION, "eventTime": _now(),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AROAEXAMPLE:blog"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
                "s3": {
                    "s3SchemaVersion": "1.0", "configurationId": "blog-uploads",
                    "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                               "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": urllib.parse.quote_plus(key, safe="/"), "size": 1024,
                               "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": f"{sequence:018X}"},
                },
            }
        ]
    }  # fmt: skip
