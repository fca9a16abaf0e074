"""Put failed work back: read what the failed-records queue (or a file) holds, rebuild the
event the function was given, run it through the same router, and say how each record ended.

The queue holds three shapes (infra/data.yaml and edge.yaml send all three there):
- the stream trigger's on-failure record: not the records, only where they are
  (`DDBStreamBatchInfo`: stream, shard, first and last sequence number), so the records are
  read again from the stream (kept 24 hours);
- an asynchronous invocation's failure: `requestPayload` in an on-failure destination
  record (an S3 notification, a schedule's run, an SNS delivery), or the raw event itself;
- an SES notification SNS could not deliver: the SNS envelope (or the bare notification),
  rebuilt into the SNS event Lambda would have had;
- a newsletter message the queue gave up on (its redrive policy moves it here as it was):
  rebuilt into the SQS event Lambda would have had, with the same body.

No Django here: the router starts it when the welcome path needs it."""

import json
from datetime import UTC, datetime

from common import aws, observe
from dispatch.router import NOT_OURS, UnknownEvent, route, run_scheduled, scheduled_task

FAILED = {"failed", "error", "rejected"}


class Unreplayable(ValueError):
    """A message none of the known shapes fits, or whose records are gone."""


def streams_client():
    return aws.client("dynamodbstreams")


def events_in(body, streams=None):
    """The events a queue message (or file) stands for; raises Unreplayable."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as error:
            raise Unreplayable(f"not JSON: {error}") from None
    if not isinstance(body, dict):
        raise Unreplayable("not a JSON object")
    if "DDBStreamBatchInfo" in body:
        records = stream_records(body["DDBStreamBatchInfo"], streams or streams_client())
        return [{"Records": records}]
    if isinstance(body.get("requestPayload"), dict):
        return [body["requestPayload"]]
    if isinstance(body.get("Records"), list):
        return [body]
    if body.get("Type") == "Notification" and isinstance(body.get("Message"), str):
        return [_sns_event(body)]
    if isinstance(body.get("type"), str) and body["type"].startswith("newsletter."):
        return [_sqs_event(body)]
    if body.get("notificationType") or body.get("eventType"):
        return [_sns_event({"Type": "Notification", "Message": json.dumps(body)})]
    raise Unreplayable(f"unknown message shape (keys: {sorted(body)[:8]})")


def _sqs_event(body):
    import time
    import uuid

    from common.events import sqs_event

    # A first receive as far as the handler knows: a replay that fails again is not counted
    # failed a second time (it was when the queue gave up on it).
    message = {"id": str(uuid.uuid4()), "body": json.dumps(body), "receives": 1, "sent_at": time.time()}
    return sqs_event([message], queue="failed-records")


def _sns_event(envelope):
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": envelope}]}


def stream_records(info, client, max_empty_pages=3):
    """The records from startSequenceNumber to endSequenceNumber of one shard, in the JSON
    shape Lambda delivers them."""
    arn, shard = info["streamArn"], info["shardId"]
    first, last = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    try:
        iterator = client.get_shard_iterator(
            StreamArn=arn,
            ShardId=shard,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=info["startSequenceNumber"],
        )["ShardIterator"]
    except client.exceptions.TrimmedDataAccessException:
        raise Unreplayable("the records are no longer in the stream (it keeps 24 hours)") from None
    except client.exceptions.ResourceNotFoundException:
        raise Unreplayable(f"the stream or shard is gone: {arn} {shard}") from None
    records, empty = [], 0
    while iterator and empty < max_empty_pages:
        page = client.get_records(ShardIterator=iterator, Limit=1000)
        empty = 0 if page["Records"] else empty + 1
        for record in page["Records"]:
            number = int(record["dynamodb"]["SequenceNumber"])
            if number > last:
                return records
            if number >= first:
                records.append(_lambda_shape(record, arn))
        if records and int(records[-1]["dynamodb"]["SequenceNumber"]) >= last:
            return records
        iterator = page.get("NextShardIterator")
    if not records:
        raise Unreplayable("no records found in the stream for this batch")
    return records


def _lambda_shape(record, stream_arn):
    # GetRecords parses times into datetimes; Lambda passes epoch seconds and adds the ARN.
    record = json.loads(json.dumps(record, default=_epoch))
    record["eventSourceARN"] = stream_arn
    return record


def _epoch(value):
    if isinstance(value, datetime):
        return int(value.replace(tzinfo=value.tzinfo or UTC).timestamp())
    raise TypeError(type(value))


def run(event, **fields):
    """Route `event` as Lambda would; returns (succeeded, [per-record outcome lines])."""
    with observe.scope("replay", **fields), observe.collect() as lines:
        try:
            result = route(event)
            if result is NOT_OURS:
                result = _run_scheduled(event)
        except Exception as error:
            observe.emit("failed", f"{type(error).__name__}: {error}"[:300], level="ERROR")
            return False, _records(lines)
    failures = isinstance(result, dict) and result.get("batchItemFailures")
    outcomes = _records(lines)
    return not failures and not any(verdict(line) == "failed" for line in outcomes), outcomes


def _run_scheduled(event):
    """A schedule's run that failed for good: run its task now (each task does what is due
    at the time it runs, so a late run is a correct run)."""
    task = scheduled_task(event)
    if task is None:
        raise UnknownEvent("neither records nor a scheduled event: nothing replay can run")
    return run_scheduled(event)


def _records(lines):
    # The handlers' own per-record lines (a scheduled task's run is one), plus a failure of
    # the whole event.
    sources = {"s3", "dynamodb", "sns", "sqs", "schedule", "replay"}
    return [line for line in lines if line.get("event_source") in sources]


def verdict(line):
    """ok, skipped or failed: what an operator needs to know about one record."""
    if line["outcome"] in FAILED:
        return "failed"
    return "skipped" if line["outcome"] == "skipped" else "ok"


def describe(line):
    """One record's report line: verdict, source, what it concerned, what happened."""
    concerned = line.get("key") or line.get("subscriber_hash") or line.get("sequence") or ""
    if not concerned and line.get("post"):
        concerned = f"post {line['post']}"
    detail = line.get("error") or line.get("reason") or ""
    if not detail and line.get("message") != line["outcome"]:
        detail = line.get("message", "")
    return (
        f"{verdict(line):8} {line.get('event_source', '?'):9} {concerned} {line['outcome']} {detail}".rstrip()
    )


def replay_queue(queue_url, sqs, streams=None, *, limit=100, visibility_seconds=300):
    """Take up to `limit` messages from the queue and replay each; a message is deleted only
    when everything in it succeeded (or was rightly skipped). Yields (message id, deleted,
    outcome lines, problem) per message. A message that fails stays hidden for
    `visibility_seconds`, so one run never takes it twice, then becomes visible again."""
    seen = set()
    while len(seen) < limit:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(10, limit - len(seen)),
            VisibilityTimeout=visibility_seconds,
            WaitTimeSeconds=1,
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            return
        for message in fresh:
            seen.add(message["MessageId"])
            yield _replay_message(queue_url, sqs, streams, message)


def _replay_message(queue_url, sqs, streams, message):
    identifier = message["MessageId"]
    try:
        events = events_in(message["Body"], streams)
    except Unreplayable as problem:
        return identifier, False, [], str(problem)
    succeeded, lines = True, []
    for event in events:
        ok, outcomes = run(event, queue_message=identifier)
        succeeded &= ok
        lines.extend(outcomes)
    if succeeded:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return identifier, succeeded, lines, None
