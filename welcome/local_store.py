"""The subscriber store on the embedded defaults: a SQLite file (it survives a restart) that
behaves like the DynamoDB table, stream included.

Each operation runs in its own `BEGIN IMMEDIATE` transaction (common.sqlite_file), so the
read-check-write of a conditional write is atomic, as DynamoDB's conditions are. When
an entry is created, the store delivers the INSERT record a NEW_IMAGE stream would carry,
through dispatch.local, to the same handler AWS would call. MODIFY and REMOVE records are
not delivered: the handler acts on INSERTs only (and its own claim updates would otherwise
come back to it as MODIFYs)."""

import json
import logging
from pathlib import Path

from boto3.dynamodb.types import TypeSerializer

from common import events, sqlite_file
from welcome.store import SubscriberStore, current_region
from welcome.subscriber import Subscriber, timestamp

logger = logging.getLogger(__name__)

SCHEMA = "CREATE TABLE IF NOT EXISTS subscribers (email TEXT PRIMARY KEY, item TEXT NOT NULL)"


def _matches(item, expect):
    return item is not None and all(item.get(name) == value for name, value in expect.items())


class LocalSubscriberStore(SubscriberStore):
    def __init__(self, path, table_name="subscribers"):
        self.path = Path(path)
        self.table_name = table_name

    def _transaction(self):
        return sqlite_file.immediate(self.path, SCHEMA)

    @staticmethod
    def _read(connection, email):
        row = connection.execute("SELECT item FROM subscribers WHERE email = ?", (email,)).fetchone()
        return json.loads(row[0]) if row else None

    def get(self, email):
        with self._transaction() as connection:
            item = self._read(connection, email)
        return Subscriber.from_item(item) if item else None

    def all(self):
        with self._transaction() as connection:
            rows = connection.execute("SELECT item FROM subscribers").fetchall()
        return list(self._entries((json.loads(row[0]) for row in rows), Subscriber.from_item))

    def page(self, cursor=None, *, limit=1000):
        # In address order, so the cursor is simply the last address of the page.
        with self._transaction() as connection:
            rows = connection.execute(
                "SELECT email, item FROM subscribers WHERE email > ? ORDER BY email LIMIT ?",
                (cursor or "", limit),
            ).fetchall()
        entries = list(self._entries((json.loads(item) for _, item in rows), Subscriber.from_item))
        return entries, rows[-1][0] if len(rows) == limit else None

    def _put_new(self, subscriber):
        item = subscriber.to_item()
        with self._transaction() as connection:
            if self._read(connection, subscriber.email) is not None:
                return False
            connection.execute(
                "INSERT INTO subscribers (email, item) VALUES (?, ?)", (subscriber.email, json.dumps(item))
            )
        # After the commit, as the stream record follows the write in AWS.
        self._emit_insert(item)
        return True

    def _delete_if(self, email, expect):
        with self._transaction() as connection:
            if not _matches(self._read(connection, email), expect):
                return False
            connection.execute("DELETE FROM subscribers WHERE email = ?", (email,))
        return True

    def _update_if(self, email, *, set_, remove, expect):
        with self._transaction() as connection:
            item = self._read(connection, email)
            if not _matches(item, expect):
                return None
            item = {k: v for k, v in item.items() if k not in remove} | set_
            connection.execute("UPDATE subscribers SET item = ? WHERE email = ?", (json.dumps(item), email))
        return Subscriber.from_item(item)

    def redeliver_unwelcomed(self, *, now, older_than, stale_before):
        """Deliver the INSERT again for entries still waiting for their welcome: written more
        than `older_than` ago, never sent, not claimed since `stale_before`. In AWS the stream
        keeps a record until the function has it; here the delivery runs in the request that
        wrote the entry, and a server killed between the two would lose it. The handler's
        claim makes a second delivery send nothing twice. Returns how many were delivered."""
        waiting = [
            s
            for s in self.all()
            if s.can_be_welcomed(now)
            and s.created_at <= timestamp(older_than)
            and (not s.welcome_claimed_at or s.welcome_claimed_at < timestamp(stale_before))
        ]
        for subscriber in waiting:
            self._emit_insert(subscriber.to_item())
        return len(waiting)

    def _emit_insert(self, item):
        if not events.local_delivery_enabled():
            return
        serialise = TypeSerializer().serialize
        image = {k: serialise(v) for k, v in item.items()}
        event = events.dynamodb_stream_event(
            self.table_name,
            "INSERT",
            keys={"email": image["email"]},
            new_image=image,
            region=current_region(),
        )
        result = events.deliver_locally(event)
        if not isinstance(result, dict) or result.get("error") or result.get("batchItemFailures"):
            # In AWS the stream would retry; here the minute schedule delivers it again
            # (dispatch.schedules), and the log says why it failed.
            logger.warning("Local stream delivery did not succeed: %s", result)
