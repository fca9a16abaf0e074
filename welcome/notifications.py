"""SES bounce and complaint notifications, as SNS delivers them: each SNS record's
`Sns.Message` is the SES notification as a JSON string.

A permanent bounce or any complaint suppresses the address for good; a transient bounce is
only counted; deliveries and anything else are ignored. Notifications published through a
configuration set spell the type `eventType` rather than `notificationType`, and name the set
in `mail.tags["ses:configuration-set"]`.

Only notifications we asked for count (`refusal`): from our topic, and, when they name a
configuration set, from ours. Anyone who can invoke the function, or publish to some other
topic subscribed to it, could otherwise suppress any address for good with a forged
complaint."""

import json
import logging

from welcome import services
from welcome.addresses import InvalidAddress, mask, normalise

logger = logging.getLogger(__name__)


def notification_from_sns(record):
    """The SES notification inside an SNS record, or None if it is not one."""
    sns = record.get("Sns") if isinstance(record, dict) else None
    message = sns.get("Message") if isinstance(sns, dict) else None
    if not isinstance(message, str):
        return None
    try:
        notification = json.loads(message)
    except ValueError:
        return None
    return notification if isinstance(notification, dict) else None


def topic_arn(record):
    sns = record.get("Sns") if isinstance(record, dict) else None
    value = sns.get("TopicArn") if isinstance(sns, dict) else None
    return value if isinstance(value, str) else None


def configuration_set(notification):
    """The SES configuration set a notification names, or None if it names none."""
    mail = notification.get("mail")
    tags = mail.get("tags") if isinstance(mail, dict) else None
    names = tags.get("ses:configuration-set") if isinstance(tags, dict) else None
    if isinstance(names, list) and names:
        return str(names[0])
    return None


def refusal(record, notification, *, topic, configuration_set_name):
    """Why this record is not ours to act on (a short text), or None if it is. `topic` must
    be set: the caller fails the record when it is not (see README, "Security")."""
    received = topic_arn(record)
    if received != topic:
        return "from another SNS topic"
    named = configuration_set(notification)
    if named is not None and named != configuration_set_name:
        return "from another SES configuration set"
    return None


def _addresses(recipients):
    for recipient in recipients if isinstance(recipients, list) else []:
        raw = recipient.get("emailAddress") if isinstance(recipient, dict) else None
        try:
            yield normalise(raw)
        except InvalidAddress:
            logger.warning("SES notification names an address we could never have stored: skipped")


def apply_notification(notification):
    """Act on one SES notification; returns a short summary of what was done."""
    kind = notification.get("notificationType") or notification.get("eventType")
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        bounce_type = bounce.get("bounceType")
        emails = list(_addresses(bounce.get("bouncedRecipients")))
        if bounce_type == "Permanent":
            reason = f"bounce: {bounce_type}/{bounce.get('bounceSubType', '')}"
            for email in emails:
                services.suppress(email, reason=reason)
            return {"suppressed": len(emails)}
        for email in emails:
            services.record_soft_bounce(email)
            logger.info("Transient bounce (%s) for %s: counted", bounce_type, mask(email))
        return {"soft_bounces": len(emails)}
    if kind == "Complaint":
        complaint = notification.get("complaint") or {}
        reason = f"complaint: {complaint.get('complaintFeedbackType') or 'unspecified'}"
        emails = list(_addresses(complaint.get("complainedRecipients")))
        for email in emails:
            services.suppress(email, reason=reason)
        return {"suppressed": len(emails)}
    return {"ignored": str(kind)}
