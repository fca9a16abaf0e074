"""Lambda glue for the welcome flow, called by dispatch.router (and, on the embedded
defaults, by dispatch.local with events of the same shape). Decode, call library code,
report per-record failures; the logic lives in records, services and notifications."""

import logging
import os

from common import observe

logger = logging.getLogger(__name__)


def _setup_django():
    # The router does not start Django (the thumbnail path must not pay for it); this path
    # needs settings, templates and URL reversing.
    from django.apps import apps

    if not apps.ready:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blog.settings")
        django.setup()


def handle_stream_event(event, context=None):
    """DynamoDB stream batch -> welcome emails; returns `{"batchItemFailures": [...]}`
    naming the sequence number of each record to retry, and never an empty one."""
    _setup_django()
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    # A whole failed batch is reported record by record too: raising instead would retry
    # the batch without the per-record checkpoint.
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with observe.scope("dynamodb", context):
        response = process_partial_response(
            event=event, record_handler=_welcome_record, processor=processor, context=context
        )
    failures = []
    for failure in response.get("batchItemFailures", []):
        if failure.get("itemIdentifier"):
            failures.append({"itemIdentifier": failure["itemIdentifier"]})
        else:
            # Lambda would read an empty identifier as "the whole batch failed".
            logger.error("A failed stream record has no SequenceNumber: it cannot be retried")
    return {"batchItemFailures": failures}


def _welcome_record(record):
    from welcome import records, services
    from welcome.store import current_region
    from welcome.subscriber import MalformedEntry

    raw = record.raw_event
    sequence = records.sequence_number(raw)
    email, reason = records.welcome_address(raw, current_region())
    if email is None:
        logger.info("Stream record %s: nothing to send (%s)", sequence, reason)
        _skipped(records.reason_code(reason), reason, sequence=sequence)
        return reason
    subscriber = observe.subscriber_hash(email)
    try:
        outcome = services.send_welcome(email)
    except MalformedEntry as error:
        # No retry can mend a hand-written item: reported failed, it would block the shard.
        logger.error("Stream record %s: the stored entry is not one of ours (%s)", sequence, error)
        _skipped("not_a_welcome", str(error), sequence=sequence, subscriber_hash=subscriber)
        return "skipped"
    except Exception as error:
        logger.warning("Stream record %s failed; it will be retried", sequence, exc_info=True)
        observe.emit(
            "failed", "will be retried", level="ERROR", sequence=sequence, subscriber_hash=subscriber,
            error=f"{type(error).__name__}: {error}"[:300],
            metrics={"WelcomeFailed": 1}, dimensions={"reason": "transient"},
        )  # fmt: skip
        raise
    if outcome == "sent":
        observe.emit("sent", sequence=sequence, subscriber_hash=subscriber, metrics={"WelcomeSent": 1})
    elif outcome == "rejected":
        observe.emit(
            "failed", "rejected for good", level="WARNING", sequence=sequence, subscriber_hash=subscriber,
            metrics={"WelcomeFailed": 1}, dimensions={"reason": "rejected"},
        )  # fmt: skip
    else:
        _skipped(
            "duplicate", "sent already, or no longer pending", sequence=sequence, subscriber_hash=subscriber
        )
    return outcome


def _skipped(code, why, **fields):
    observe.emit("skipped", why, metrics={"WelcomeSkipped": 1}, dimensions={"reason": code}, **fields)


def handle_sns_event(event, context=None):
    """SES notifications through SNS -> suppressions. Every record is tried; if any failed
    the invocation raises afterwards, so Lambda retries it (suppression is idempotent).

    Only notifications from SES_NOTIFICATIONS_TOPIC_ARN (and, when they name one, from our
    SES configuration set) are acted on; others are logged and ignored, never retried. While
    the setting is empty every record fails, so nothing forged is acted on and nothing real
    is lost: the failures land in the failed-records queue, to replay once it is set."""
    _setup_django()
    from django.conf import settings

    from welcome import notifications

    topic = settings.SES_NOTIFICATIONS_TOPIC_ARN
    results, failed = [], 0
    with observe.scope("sns", context):
        if not topic:
            logger.error("SES_NOTIFICATIONS_TOPIC_ARN is not set: no SES notification can be trusted")
            observe.emit("failed", "SES_NOTIFICATIONS_TOPIC_ARN is not set", level="ERROR")
            raise RuntimeError(
                "SES_NOTIFICATIONS_TOPIC_ARN is not set: SES notifications are refused until it "
                "names the topic SES publishes to (the data stack's SesNotificationsTopicArn)."
            )
        for record in event.get("Records", []):
            notification = notifications.notification_from_sns(record)
            if notification is None:
                logger.warning("SNS record without an SES notification: ignored")
                results.append({"ignored": "not an SES notification"})
                observe.emit("skipped", "not an SES notification")
                continue
            refused = notifications.refusal(
                record, notification, topic=topic, configuration_set_name=settings.SES_CONFIGURATION_SET
            )
            if refused:
                logger.warning(
                    "SES notification %s (topic %s): ignored", refused, notifications.topic_arn(record)
                )
                results.append({"ignored": refused})
                observe.emit("skipped", refused, topic=notifications.topic_arn(record))
                continue
            try:
                result = notifications.apply_notification(notification)
            except Exception as error:
                logger.exception("SES notification could not be applied")
                observe.emit("failed", f"{type(error).__name__}: {error}"[:300], level="ERROR")
                failed += 1
                continue
            results.append(result)
            observe.emit("skipped" if "ignored" in result else "done", **result)
    if failed:
        raise RuntimeError(f"{failed} SES notification(s) could not be applied; see the log.")
    return {"results": results}
