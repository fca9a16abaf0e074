"""The newsletter's fan-out: how fast subscribers go on the queue and pairs are claimed, each
beside a baseline measured in the same run.

    .venv/bin/python bench/newsletter.py [--messages 2000] [--rounds 3]

Self-contained: a throwaway SQLite database and var/ folder, and moto's SQS and DynamoDB in
this process (no network). What is compared:

- enqueue: `SqsQueue.send` (SendMessageBatch, ten to a request) against one SendMessage per
  message; `LocalQueue.send` (one transaction) against one transaction per message;
- claim: claim then finish one (post, subscriber) pair (two conditional writes, as each send
  does) against the least a claim could be, one write per pair (a conditional PutItem on
  DynamoDB), on DynamoDB (moto) and the local store;
- a fan-out page: one page message handled (1,000 subscribers read from the store, 1,000
  messages queued, the page claimed), against reading the same page alone.

moto answers in-process in microseconds where AWS takes milliseconds (SendMessageBatch and a
conditional UpdateItem are ~10-20 ms each from Lambda), so the ratios are what carries over,
and the request counts: batching is ten times fewer requests. Best of `--rounds` rounds, wall
clock (SQLite writes to disk)."""

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = 1000
CHUNK = 100


def setup(tmp):
    sys.path.insert(0, str(ROOT))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "blog.settings", "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 40, "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}", "VAR_DIR": str(tmp / "var"),
        "LOG_LEVEL": "ERROR", "LOCAL_EVENTS": "false", "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
        "LOG_FORMAT": "json",
    })  # fmt: skip
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def best(rounds, run):
    """(best seconds, what run returned) over `rounds` rounds; `run()` -> (seconds, value)."""
    results = [run() for _ in range(rounds)]
    return min(results, key=lambda r: r[0])


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n, rounds = args.messages, args.rounds
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        setup(tmp)
        from moto import mock_aws

        # The handlers' outcome lines go to stdout: not part of the report.
        with mock_aws(), contextlib.redirect_stdout(io.StringIO()):
            rows = run_all(tmp, n, rounds)
    print(f"newsletter fan-out, {n} messages/pairs per round, best of {rounds} rounds (moto in-process)\n")
    print(f"{'what':52} {'per second':>12} {'requests':>9}  ratio")
    for title, ours, baseline in rows:
        print(title)
        for label, (seconds, count, requests) in (
            ("  ours: " + ours[0], ours[1]),
            ("  baseline: " + baseline[0], baseline[1]),
        ):
            print(f"{label:52} {count / seconds:12,.0f} {requests:9,}")
        print(
            f"{'':52} {'':12} {'':9}  {ours[1][0] and (baseline[1][0] / ours[1][0]):.1f}x the baseline's rate"
        )
    page_seconds = rows[-1][1][1][0]
    print(
        f"\nA page of {PAGE} subscribers took {page_seconds * 1000:.0f} ms here: 100,000 subscribers are "
        f"{100_000 // PAGE} page messages. Sending them at SES's 14 a second takes 7,143 s (2 h); "
        "the fan-out is never what the reader waits for."
    )


def run_all(tmp, n, rounds):
    import boto3
    from django.utils import timezone

    from newsletter import messages
    from newsletter.claims import DONE, DynamoDBClaims, LocalClaims, send_key
    from newsletter.queue import LocalQueue, SqsQueue

    sqs = boto3.client("sqs", region_name="eu-west-1")
    dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
    outgoing = [messages.send(1, f"reader{i:06d}@example.com") for i in range(n)]
    rows = []

    def fresh_queue():
        name = f"bench-{time.perf_counter_ns()}"
        return sqs.create_queue(QueueName=name)["QueueUrl"]

    # moto's queue looks at every message it holds on each send (a cost AWS does not have):
    # a fresh queue every CHUNK messages keeps that out of both figures.
    chunks = [outgoing[i : i + CHUNK] for i in range(0, n, CHUNK)]

    def batched():
        queues = [SqsQueue(fresh_queue()) for _ in chunks]
        seconds, _ = timed(lambda: [q.send(chunk) for q, chunk in zip(queues, chunks, strict=True)])
        return seconds, n, -(-n // 10)

    def one_by_one():
        urls = [fresh_queue() for _ in chunks]

        def send_all():
            for url, chunk in zip(urls, chunks, strict=True):
                for m in chunk:
                    sqs.send_message(QueueUrl=url, MessageBody=m.body())

        seconds, _ = timed(send_all)
        return seconds, n, n

    rows.append(("enqueue on SQS (moto)", ("SendMessageBatch, 10 a request", best(rounds, batched)),
                 ("SendMessage, one a request", best(rounds, one_by_one))))  # fmt: skip

    def local_batched():
        queue = LocalQueue(tmp / f"q-{time.perf_counter_ns()}.sqlite3")
        seconds, _ = timed(queue.send, outgoing)
        return seconds, n, 1

    def local_one_by_one():
        queue = LocalQueue(tmp / f"q-{time.perf_counter_ns()}.sqlite3")
        seconds, _ = timed(lambda: [queue.send([m]) for m in outgoing])
        return seconds, n, n

    rows.append(("enqueue on the local queue (SQLite)", ("one transaction", best(rounds, local_batched)),
                 ("one transaction per message", best(rounds, local_one_by_one))))  # fmt: skip

    def table():
        name = f"claims-{time.perf_counter_ns()}"
        dynamodb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )  # fmt: skip
        return name

    def claim_and_finish(claims):
        now = timezone.now()
        for m in outgoing:
            key = send_key(1, m.email)
            claims.claim(key, now=now, stale_before=now)
            claims.finish(key, DONE, now=now, message_id="m")

    def dynamodb_claims():
        claims = DynamoDBClaims(table())
        seconds, _ = timed(claim_and_finish, claims)
        return seconds, n, 2 * n

    def dynamodb_puts():
        name = table()

        def put_all():
            for m in outgoing:
                dynamodb.put_item(
                    TableName=name, Item={"pk": {"S": send_key(1, m.email)}},
                    ConditionExpression="attribute_not_exists(pk)",
                )  # fmt: skip

        seconds, _ = timed(put_all)
        return seconds, n, n

    rows.append(("claim a pair on DynamoDB (moto)", ("claim + finish, conditional", best(rounds, dynamodb_claims)),
                 ("one conditional PutItem (a claim, no finish)", best(rounds, dynamodb_puts))))  # fmt: skip

    def local_claims():
        claims = LocalClaims(tmp / f"c-{time.perf_counter_ns()}.sqlite3")
        seconds, _ = timed(claim_and_finish, claims)
        return seconds, n, 2 * n

    def local_puts():
        import sqlite3

        path = tmp / f"p-{time.perf_counter_ns()}.sqlite3"

        def put_all():
            for m in outgoing:
                connection = sqlite3.connect(path, isolation_level=None)
                connection.execute("CREATE TABLE IF NOT EXISTS claims (pk TEXT PRIMARY KEY, item TEXT)")
                connection.execute("INSERT OR REPLACE INTO claims VALUES (?, '{}')", (send_key(1, m.email),))
                connection.close()

        seconds, _ = timed(put_all)
        return seconds, n, n

    rows.append(("claim a pair on the local store (SQLite)", ("claim + finish, each a transaction", best(rounds, local_claims)),
                 ("one unconditional write", best(rounds, local_puts))))  # fmt: skip
    rows.append(fan_out_row(tmp, rounds))
    return rows


def fan_out_row(tmp, rounds):
    """One page message handled on the local defaults, against reading its page alone."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from blog.models import Post
    from newsletter import claims, fanout, messages, queue
    from newsletter.models import Newsletter
    from welcome.local_store import LocalSubscriberStore
    from welcome.subscriber import CONFIRMED, Subscriber

    store_path = tmp / "subscribers.sqlite3"
    settings.SUBSCRIBER_STORE = {
        "BACKEND": "welcome.local_store.LocalSubscriberStore",
        "OPTIONS": {"path": str(store_path)},
    }
    store, now = LocalSubscriberStore(store_path), timezone.now()
    with store._transaction() as connection:
        for i in range(PAGE):
            item = Subscriber.new_pending(f"reader{i:06d}@example.com", now=now, region="local-1", ttl_days=7)
            item = item.transitioned(CONFIRMED, now=now)
            connection.execute(
                "INSERT INTO subscribers VALUES (?, ?)",
                (item.email, json.dumps(item.to_item())),
            )
    author = get_user_model().objects.create_user("bench")

    def handle_page():
        post = Post.objects.create(
            title="Bench", slug=f"bench-{time.perf_counter_ns()}", body="x", author=author
        )
        Newsletter.objects.create(post=post, started_at=now)
        settings.VAR_DIR = tmp / f"var-{post.pk}"  # a new queue and claims file each round
        claims._local.cache_clear()
        queue._local.cache_clear()
        seconds, _ = timed(fanout.fan_out, messages.page(post.pk))
        assert len(queue.get_queue()) == PAGE + 1, "a send each, and the next page"
        return seconds, PAGE, 1

    def read_page():
        from welcome.store import _make_store, get_store

        _make_store.cache_clear()
        seconds, (entries, _) = timed(get_store().page, None)
        assert len(entries) == PAGE
        return seconds, PAGE, 1

    return (f"a fan-out page of {PAGE} subscribers (local defaults)", ("read, queue, claim the page", best(rounds, handle_page)),
            ("reading the page alone", best(rounds, read_page)))  # fmt: skip


if __name__ == "__main__":
    main()
