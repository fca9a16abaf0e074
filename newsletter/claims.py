"""Claims: "this (post, subscriber) pair, or this page of the fan-out, is mine to do", taken
with a conditional write before the work and finished after it, so a duplicated message, a
retried batch or a replay finds the work done (or in hand) and does nothing.

A DynamoDB table in AWS (`NEWSLETTER_CLAIMS_TABLE`: key `pk`, TTL on `expires_at`), a SQLite
file on the embedded defaults, behind one interface. A claim is `claimed` (with the time,
which makes it stale after a lease: an attempt that died without releasing it), `released`
(failed, to be tried again; `gave_up` marks one counted failed when the queue's retries ran
out), or final: `sent`, `rejected`, `skipped` for a send, `done` for a page. Items expire
after CLAIM_TTL_DAYS, well past any copy of the message: the queue keeps one 4 days, the
failed-records queue 14 days from when it was first sent."""

import contextlib
import functools
import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from common import aws, sqlite_file
from welcome.store import Claim
from welcome.subscriber import epoch, timestamp

CLAIMED, RELEASED = "claimed", "released"
SENT, REJECTED, SKIPPED, DONE = "sent", "rejected", "skipped", "done"
FINAL = frozenset({SENT, REJECTED, SKIPPED, DONE})
CLAIM_TTL_DAYS = 30


def send_key(post_id, email):
    return f"send#{post_id}#{email}"


def page_key(post_id, cursor):
    # The cursor may be long (DynamoDB's LastEvaluatedKey): a digest keeps the key short.
    import hashlib

    return f"page#{post_id}#{hashlib.sha256((cursor or '').encode()).hexdigest()[:32]}"


class ClaimStore:
    """claim -> (Claim.CLAIMED | DONE | BUSY, the item as it was); finish and release."""

    def claim(self, key, *, now, stale_before):
        raise NotImplementedError

    def finish(self, key, status, *, now, message_id=None):
        """Mark a claim of ours final; the item as it was before (None if it was not ours)."""
        raise NotImplementedError

    def release(self, key, *, gave_up=False):
        """Give the work back, to be tried again; `gave_up`: counted failed meanwhile."""
        raise NotImplementedError

    def get(self, key):
        raise NotImplementedError

    @staticmethod
    def _verdict(item):
        return Claim.DONE if item and item.get("status") in FINAL else Claim.BUSY


class DynamoDBClaims(ClaimStore):
    def __init__(self, table_name, region=None):
        self.table_name = table_name
        self.region = region or None

    @property
    def _client(self):
        return aws.client("dynamodb", self.region)

    def _update(self, key, expression, condition, values, names=None):
        """UpdateItem under `condition`; the old item, or False when the condition failed."""
        from botocore.exceptions import ClientError

        try:
            response = self._client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": key}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#s": "status", **(names or {})},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return _plain(response.get("Attributes"))

    def claim(self, key, *, now, stale_before):
        expiry = epoch(now + timedelta(days=CLAIM_TTL_DAYS))
        old = self._update(
            key,
            "SET #s = :claimed, claimed_at = :now, expires_at = :expires ADD attempts :one",
            "attribute_not_exists(pk) OR #s = :released OR (#s = :claimed AND claimed_at < :stale)",
            {
                ":claimed": {"S": CLAIMED}, ":released": {"S": RELEASED}, ":now": {"S": timestamp(now)},
                ":stale": {"S": timestamp(stale_before)}, ":expires": {"N": str(expiry)}, ":one": {"N": "1"},
            },
        )  # fmt: skip
        if old is False:
            item = self.get(key)
            return self._verdict(item), item
        return Claim.CLAIMED, old

    def finish(self, key, status, *, now, message_id=None):
        values = {":claimed": {"S": CLAIMED}, ":status": {"S": status}, ":now": {"S": timestamp(now)}}
        expression = "SET #s = :status, done_at = :now"
        if message_id:
            values[":message"] = {"S": message_id}
            expression += ", message_id = :message"
        old = self._update(key, expression + " REMOVE claimed_at, gave_up", "#s = :claimed", values)
        return old or None

    def release(self, key, *, gave_up=False):
        values = {":claimed": {"S": CLAIMED}, ":released": {"S": RELEASED}}
        expression = "SET #s = :released"
        if gave_up:
            values[":true"] = {"BOOL": True}
            expression += ", gave_up = :true"
        self._update(key, expression + " REMOVE claimed_at", "#s = :claimed", values)

    def get(self, key):
        response = self._client.get_item(
            TableName=self.table_name, Key={"pk": {"S": key}}, ConsistentRead=True
        )
        return _plain(response.get("Item"))


def _plain(item):
    if not item:
        return None
    from boto3.dynamodb.types import TypeDeserializer

    deserialise = TypeDeserializer().deserialize
    plain = {k: deserialise(v) for k, v in item.items()}
    return {k: int(v) if k in ("attempts", "expires_at") else v for k, v in plain.items()}


class LocalClaims(ClaimStore):
    """The same decisions in Python, each in its own `BEGIN IMMEDIATE` transaction, so a
    read-decide-write is as atomic across threads and processes as DynamoDB's condition."""

    def __init__(self, path):
        self.path = Path(path)

    @contextlib.contextmanager
    def _item(self, key):
        """The item for `key` (or None) to read and change; what the block leaves in
        `box[0]` is written back when it ends."""
        schema = "CREATE TABLE IF NOT EXISTS claims (pk TEXT PRIMARY KEY, item TEXT NOT NULL)"
        with sqlite_file.immediate(self.path, schema, wal=True) as connection:
            row = connection.execute("SELECT item FROM claims WHERE pk = ?", (key,)).fetchone()
            box = [json.loads(row[0]) if row else None]
            before = box[0]
            yield box
            if box[0] is not before:
                connection.execute(
                    "INSERT OR REPLACE INTO claims (pk, item) VALUES (?, ?)", (key, json.dumps(box[0]))
                )

    def claim(self, key, *, now, stale_before):
        with self._item(key) as box:
            item = box[0]
            status = item.get("status") if item else None
            stale = status == CLAIMED and item.get("claimed_at", "") < timestamp(stale_before)
            if item and status != RELEASED and not stale:
                return self._verdict(item), item
            box[0] = {
                **(item or {}),
                "status": CLAIMED,
                "claimed_at": timestamp(now),
                "expires_at": epoch(now + timedelta(days=CLAIM_TTL_DAYS)),
                "attempts": (item or {}).get("attempts", 0) + 1,
            }
            return Claim.CLAIMED, item

    def finish(self, key, status, *, now, message_id=None):
        with self._item(key) as box:
            item = box[0]
            if not item or item.get("status") != CLAIMED:
                return None
            fresh = {k: v for k, v in item.items() if k not in ("claimed_at", "gave_up")}
            box[0] = {**fresh, "status": status, "done_at": timestamp(now)}
            if message_id:
                box[0]["message_id"] = message_id
            return item

    def release(self, key, *, gave_up=False):
        with self._item(key) as box:
            item = box[0]
            if not item or item.get("status") != CLAIMED:
                return
            box[0] = {k: v for k, v in item.items() if k != "claimed_at"} | {"status": RELEASED}
            if gave_up:
                box[0]["gave_up"] = True

    def get(self, key):
        with self._item(key) as box:
            return box[0]


def get_claims():
    """The claim store the settings name (read at call time), made once per configuration."""
    table = settings.NEWSLETTER_CLAIMS_TABLE
    if table:
        return _dynamodb(table)
    return _local(str(Path(settings.VAR_DIR) / "newsletter-claims.sqlite3"))


@functools.cache
def _dynamodb(table):
    return DynamoDBClaims(table)


@functools.cache
def _local(path):
    return LocalClaims(path)
