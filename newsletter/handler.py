"""Lambda glue for the newsletter queue, called by dispatch.router for `aws:sqs` records (the
edge stack's event source mapping; on the embedded defaults newsletter.local delivers the same
event). Decode each record, hand it to the fan-out or the sender, and report the ones to retry
in `batchItemFailures` (ReportBatchItemFailures): SQS keeps those and deletes the rest."""

import logging

from common import observe
from welcome.handler import _setup_django

logger = logging.getLogger(__name__)


def handle_queue_event(event, context=None):
    """SQS batch -> newsletter pages and sends; `{"batchItemFailures": [...]}` names the
    messageId of each record to retry, and never an empty one."""
    _setup_django()
    from django.conf import settings

    from newsletter import content as contents
    from newsletter import fanout, messages, sending

    failures, tally, loaded, halted = [], sending.Tally(), {}, None

    def content(post_id):
        if post_id not in loaded:
            loaded[post_id] = contents.load(post_id)
        return loaded[post_id]

    with observe.scope("sqs", context):
        for record in event.get("Records", []):
            message_id = record.get("messageId") or None
            if halted:
                failures.append(message_id)
                observe.emit("failed", "not tried: SES is refusing sends", level="WARNING", message_id=message_id,
                             metrics={"NewsletterFailed": 1}, dimensions={"reason": "throttled"})  # fmt: skip
                continue
            try:
                message = messages.parse(record.get("body"))
            except messages.BadMessage as error:
                # Never a silent success: after the queue's retries it lands in the
                # failed-records queue, where someone can see what it was.
                logger.error("Queue record %s is not a newsletter message (%s)", message_id, error)
                observe.emit("failed", str(error), level="ERROR", message_id=message_id,
                             metrics={"NewsletterFailed": 1}, dimensions={"reason": "malformed"})  # fmt: skip
                failures.append(message_id)
                continue
            receives = _int(record.get("attributes", {}).get("ApproximateReceiveCount"), 1)
            try:
                if message.kind == messages.PAGE:
                    fanout.fan_out(message, sent_at=fanout.sent_time(record))
                else:
                    sending.deliver(
                        message,
                        content=content(message.post),
                        last_attempt=receives >= settings.NEWSLETTER_MAX_RECEIVES,
                        tally=tally,
                    )
            except sending.Throttled as error:
                halted = error
                failures.append(message_id)
            except Exception as error:
                logger.warning("Queue record %s failed; it will be retried", message_id, exc_info=True)
                if message.kind == messages.PAGE:
                    observe.emit("failed", "will be retried", level="ERROR", message_id=message_id, post=message.post,
                                 error=f"{type(error).__name__}: {error}"[:300],
                                 metrics={"NewsletterFailed": 1}, dimensions={"reason": "transient"})  # fmt: skip
                failures.append(message_id)
        tally.save()
    reported = []
    for identifier in failures:
        if identifier:
            reported.append({"itemIdentifier": identifier})
        else:
            # Lambda would read an empty identifier as "the whole batch failed".
            logger.error("A failed queue record has no messageId: it cannot be retried")
    return {"batchItemFailures": reported}


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
