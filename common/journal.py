"""The local events journal: on the embedded defaults, what the app delivered to its handlers
and how each delivery ended, for staff to look at (admin "Recent events", `manage.py
recent_events`). An append-only JSON-lines file, trimmed to the newest entries now and then,
so it survives requests and restarts and never grows without bound. No Django: the caller
passes the path (Django's side knows VAR_DIR)."""

import json
import logging
import os
from pathlib import Path

from common.events import now_iso
from common.observe import milliseconds_since

KEEP = 200
logger = logging.getLogger(__name__)


def journal_path(var_dir):
    """Where the journal lives: LOCAL_EVENTS_LOG, else beside the other local state."""
    return os.environ.get("LOCAL_EVENTS_LOG") or str(Path(var_dir) / "local-events.jsonl")


def summarise(event):
    """What an event is about, without the payload: the object key, or the subscriber's hash
    (never the address), or a queue message's kind and post."""
    from common.observe import subscriber_hash

    summary = []
    for record in event.get("Records", []) if isinstance(event, dict) else []:
        if "s3" in record:
            summary.append(record["s3"].get("object", {}).get("key"))
        elif "dynamodb" in record:
            email = record["dynamodb"].get("Keys", {}).get("email", {}).get("S")
            summary.append(f"{record.get('eventName')} subscriber {subscriber_hash(email)}" if email else "?")
        elif record.get("eventSource") == "aws:sqs":
            summary.append(_queue_message(record.get("body")))
    return ", ".join(str(s) for s in summary)


def _queue_message(body):
    """A newsletter message as the journal names it: its kind, post and subscriber's hash."""
    from common.observe import subscriber_hash

    try:
        message = json.loads(body)
    except (TypeError, ValueError):
        return "?"
    if not isinstance(message, dict):
        return "?"
    who = f" subscriber {subscriber_hash(message['email'])}" if isinstance(message.get("email"), str) else ""
    return f"{message.get('type', '?')} post {message.get('post', '?')}{who}"


def record(path, *, source, summary, outcome, error, start):
    """Append one delivery's entry (`start`: its time.perf_counter() when it began). A journal
    that cannot be written is logged, never raised: it is for looking at, not for the work."""
    entry = {
        "time": now_iso(),
        "source": source,
        "summary": summary,
        "outcome": outcome,
        "error": error,
        "ms": milliseconds_since(start),
    }
    try:
        append(path, entry)
    except OSError:
        logger.warning("Could not write the local events journal %s", path, exc_info=True)


def append(path, entry, keep=KEEP):
    """Add `entry`; once the file holds twice `keep` lines, keep the newest `keep`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(entry, default=str) + "\n")
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) >= 2 * keep:
        temporary = path.with_name(path.name + ".part")
        temporary.write_text("\n".join(lines[-keep:]) + "\n", encoding="utf-8")
        os.replace(temporary, path)


def recent(path, limit=50):
    """The newest `limit` entries, newest first; a damaged line is skipped, not fatal."""
    path = Path(path)
    if not path.is_file():
        return []
    entries = []
    for line in reversed(path.read_text(encoding="utf-8").splitlines()):
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
        if len(entries) >= limit:
            break
    return entries
