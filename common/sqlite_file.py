"""The local stand-ins for DynamoDB and SQS (subscribers, newsletter claims and queue) keep
their items in SQLite files. Each operation is one `BEGIN IMMEDIATE` transaction: the write
lock is taken before the read, so a read-check-write is atomic across threads and processes,
as DynamoDB's conditions and SQS's receive are."""

import contextlib
from pathlib import Path


@contextlib.contextmanager
def immediate(path, schema, *, wal=False):
    """A connection to the SQLite file at `path` (made with `schema` if new) inside one
    `BEGIN IMMEDIATE` transaction, committed when the block ends and rolled back if it raises.
    `wal`: WAL journal and no fsync per commit, for files written thousands of times in a run
    (a power cut may lose the last commits, acceptable for a laptop's queue)."""
    import sqlite3  # here: in AWS none of the local stand-ins runs, and the start-up skips it

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        if wal:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(schema)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()
