"""The newsletter's queue: SQS in AWS (`NEWSLETTER_QUEUE_URL`), a SQLite file on the embedded
defaults that behaves like it for one consumer. Both take messages in batches; in AWS Lambda's
event source mapping receives and deletes them, locally `newsletter.local` does."""

import functools
import json
import time
import uuid
from pathlib import Path

from django.conf import settings

from common import aws, sqlite_file

BATCH = 10  # SendMessageBatch's limit
ATTEMPTS = 3


class QueueError(RuntimeError):
    """Messages the queue would not take, after retries."""


class SqsQueue:
    def __init__(self, url):
        self.url = url

    def send(self, messages):
        """Put `messages` (newsletter.messages.Message) on the queue, ten to a request.
        Entries SQS refuses in a batch are sent again; QueueError if some never go."""
        for start in range(0, len(messages), BATCH):
            pending = {str(n): m for n, m in enumerate(messages[start : start + BATCH])}
            for _ in range(ATTEMPTS):
                response = aws.client("sqs").send_message_batch(
                    QueueUrl=self.url,
                    Entries=[{"Id": key, "MessageBody": m.body()} for key, m in pending.items()],
                )
                failed = response.get("Failed", [])
                pending = {f["Id"]: pending[f["Id"]] for f in failed}
                if not pending:
                    break
            else:
                codes = sorted({f.get("Code", "?") for f in failed})
                raise QueueError(f"{len(pending)} message(s) refused by the queue: {', '.join(codes)}")


SCHEMA = """CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, body TEXT NOT NULL, sent_at REAL NOT NULL, visible_at REAL NOT NULL,
    receives INTEGER NOT NULL DEFAULT 0, receipt TEXT, first_received_at REAL)"""


class LocalQueue:
    """SQS's contract, locally: at least once; a received message is hidden for
    `visibility_seconds`, then comes back unless deleted with its receipt; one received more
    than `max_receives` times goes to `failed_dir` instead (as the redrive policy sends it to
    the failed-records queue), one JSON file per message, for `replay_failed --file`."""

    def __init__(self, path, *, visibility_seconds=60, max_receives=5, failed_dir=None):
        self.path = Path(path)
        self.visibility_seconds = visibility_seconds
        self.max_receives = max_receives
        self.failed_dir = Path(failed_dir) if failed_dir else self.path.parent / "failed-records"

    def _transaction(self):
        return sqlite_file.immediate(self.path, SCHEMA, wal=True)

    def send(self, messages, *, now=None):
        now = time.time() if now is None else now
        with self._transaction() as connection:
            connection.executemany(
                "INSERT INTO messages (id, body, sent_at, visible_at) VALUES (?, ?, ?, ?)",
                [(str(uuid.uuid4()), m.body(), now, now) for m in messages],
            )

    def receive(self, max_messages=BATCH, *, now=None):
        """Up to `max_messages` visible messages, each hidden for the visibility timeout:
        [{"id", "receipt", "body", "receives", "sent_at", "first_received_at"}]."""
        now = time.time() if now is None else now
        received = []
        with self._transaction() as connection:
            spent = connection.execute(
                "SELECT id, body FROM messages WHERE visible_at <= ? AND receives >= ?",
                (now, self.max_receives),
            ).fetchall()
            for message_id, body in spent:
                self._redrive(connection, message_id, body)
            rows = connection.execute(
                "SELECT id, body, sent_at, receives, first_received_at FROM messages "
                "WHERE visible_at <= ? ORDER BY sent_at, rowid LIMIT ?",
                (now, max_messages),
            ).fetchall()
            for message_id, body, sent_at, receives, first in rows:
                receipt = uuid.uuid4().hex
                connection.execute(
                    "UPDATE messages SET visible_at = ?, receives = receives + 1, receipt = ?, "
                    "first_received_at = COALESCE(first_received_at, ?) WHERE id = ?",
                    (now + self.visibility_seconds, receipt, now, message_id),
                )
                received.append({
                    "id": message_id, "receipt": receipt, "body": body, "receives": receives + 1,
                    "sent_at": sent_at, "first_received_at": first or now,
                })  # fmt: skip
        return received

    def _redrive(self, connection, message_id, body):
        self.failed_dir.mkdir(parents=True, exist_ok=True)
        (self.failed_dir / f"newsletter-{message_id}.json").write_text(json.dumps(json.loads(body), indent=2))
        connection.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    def delete(self, message_id, receipt):
        """Delete a received message, if `receipt` is still its latest (as SQS, a stale
        receipt whose message was received again deletes nothing here)."""
        with self._transaction() as connection:
            connection.execute("DELETE FROM messages WHERE id = ? AND receipt = ?", (message_id, receipt))

    def __len__(self):
        with self._transaction() as connection:
            return connection.execute("SELECT COUNT(*) FROM messages").fetchone()[0]


def get_queue():
    """The queue the settings name (read at call time), made once per configuration."""
    url = settings.NEWSLETTER_QUEUE_URL
    if url:
        return _sqs(url)
    var = Path(settings.VAR_DIR)
    return _local(
        str(var / "newsletter-queue.sqlite3"), settings.NEWSLETTER_MAX_RECEIVES, str(var / "failed-records")
    )


@functools.cache
def _sqs(url):
    return SqsQueue(url)


@functools.cache
def _local(path, max_receives, failed_dir):
    return LocalQueue(path, max_receives=max_receives, failed_dir=failed_dir)


def is_local(queue):
    return isinstance(queue, LocalQueue)
