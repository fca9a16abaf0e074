"""The one-minute schedules on the embedded defaults. In AWS, EventBridge invokes the function
every minute for each scheduled task (zappa_settings.json); locally `make run`'s server runs
the same tasks, built as the same scheduled events and run by the same table
(`dispatch.router`), on a background thread. Each tick also catches up the local subscriber
store's stream: an entry whose INSERT never reached the handler (a server killed between the
write and the delivery) is delivered again, which AWS's stream would have done itself; and
delivers what the local newsletter queue holds, as the SQS event source mapping would."""

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from common import journal, observe
from common.events import scheduled_event
from dispatch.router import SCHEDULED_TASKS, run_scheduled
from newsletter import local as newsletter_queue
from welcome.store import get_store

logger = logging.getLogger(__name__)

# A subscriber written this long ago and still unwelcomed (and unclaimed) lost its delivery.
STREAM_GRACE = timedelta(minutes=1)


# What every scheduled task's outcome line carries; anything else it carries is its news.
_ROUTINE = {"level", "message", "timestamp", "service", "event_source", "task", "outcome", "ms", "request_id"}


def _quiet(record):
    """A run that did nothing: not worth a line on `make run`'s console every minute."""
    return record.get("outcome") == "done" and not any(v for k, v in record.items() if k not in _ROUTINE)


def tick():
    """Run every scheduled task once and catch up the local stream; {task: its answer}."""
    with observe.unprinted(_quiet):
        return _tick()


def _tick():
    outcome = {}
    for task in SCHEDULED_TASKS:
        start = time.perf_counter()
        try:
            result = run_scheduled(scheduled_event(task))
        except Exception as error:
            logger.exception("Local schedule: %s failed", task)
            result = {"error": f"{type(error).__name__}: {error}"}
        outcome[task] = result
        _record(task, result, start)
    start = time.perf_counter()
    outcome["welcomes_redelivered"] = catch_up_stream()
    _record("subscriber stream catch-up", {"redelivered": outcome["welcomes_redelivered"]}, start)
    # The newsletter queue, as Lambda's event source mapping polls SQS: what the last minute
    # left (a retry whose visibility timeout passed), and anything a publishing queued.
    outcome["newsletter_messages"] = newsletter_queue.drain()
    return outcome


def catch_up_stream(now=None):
    """Deliver again the INSERTs the local store's writes never got to the handler. With
    DynamoDB (AWS) there is nothing to do: the stream keeps them until they are handled."""
    store = get_store()
    if not hasattr(store, "redeliver_unwelcomed"):
        return 0
    now = now or timezone.now()
    return store.redeliver_unwelcomed(
        now=now,
        older_than=now - STREAM_GRACE,
        stale_before=now - timedelta(seconds=settings.WELCOME_CLAIM_SECONDS),
    )


def _record(what, result, start):
    # Only runs that did something or failed: a quiet minute is not news for the journal.
    if not any(result.values()):
        return
    failed = bool(result.get("error"))
    journal.record(
        journal.journal_path(settings.VAR_DIR),
        source="aws.events",
        summary=what,
        outcome="failed" if failed else ", ".join(f"{k}={v}" for k, v in result.items()),
        error=result.get("error"),
        start=start,
    )


class Ticker(threading.Thread):
    """Runs `tick` now and then every `interval` seconds until `stop()`."""

    def __init__(self, interval=60):
        super().__init__(name="local-schedules", daemon=True)
        self.interval = interval
        self._stopped = threading.Event()

    def run(self):
        while not self._stopped.is_set():
            try:
                tick()
            except Exception:  # never let one bad minute end the schedule
                logger.exception("Local schedule tick failed")
            finally:
                from django.db import connections

                connections.close_all()  # this thread's own connections, not the server's
            self._stopped.wait(self.interval)

    def stop(self):
        self._stopped.set()
