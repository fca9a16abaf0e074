"""The newsletter queue on the embedded defaults: what Lambda's event source mapping does in
AWS, done by the app. Received messages go to the same router and handler as an SQS event of
the same shape (common.events.sqs_event); those the handler reports failed come back after
the local queue's visibility timeout (the next minute's tick), and go to var/failed-records/
after NEWSLETTER_MAX_RECEIVES receives. Runs when a publishing commits and on every tick of
the local schedules (dispatch.schedules), so `make run` emails a scheduled post when due."""

import logging
import threading

from common import events
from newsletter.queue import BATCH, get_queue, is_local

logger = logging.getLogger(__name__)
QUEUE_NAME = "newsletter"
# One drain at a time in a process (a request and the ticker thread may both ask); the
# second waits, then finds what is left.
_draining = threading.RLock()


def drain(*, now=None, limit=100_000):
    """Deliver the local queue's visible messages, ten to an event, until none is left (or
    `limit`); returns how many were delivered. Nothing happens in AWS (the queue is SQS) or
    when LOCAL_EVENTS is off. `now` (epoch seconds) lets a test look past a visibility
    timeout."""
    queue = get_queue()
    if not is_local(queue) or not events.local_delivery_enabled():
        return 0
    delivered = 0
    with _draining:
        while delivered < limit:
            batch = queue.receive(BATCH, now=now)
            if not batch:
                break
            result = events.deliver_locally(events.sqs_event(batch, queue=QUEUE_NAME))
            failed = _failed_ids(result, batch)
            for message in batch:
                if message["id"] not in failed:
                    queue.delete(message["id"], message["receipt"])
            delivered += len(batch)
    return delivered


def _failed_ids(result, batch):
    if not isinstance(result, dict) or result.get("error"):
        return {message["id"] for message in batch}
    return {failure.get("itemIdentifier") for failure in result.get("batchItemFailures", [])}
