"""Local delivery: on the embedded defaults there is no S3 notification and no DynamoDB
stream, so the app builds the event AWS would send (common.events) and this delivers it to the
same router the Lambda function uses. The handlers cannot tell the difference. Registered as
common.events' deliverer when the app starts (dispatch.apps)."""

import logging
import time

from common import journal as journals
from common import observe
from dispatch.router import event_sources, route

logger = logging.getLogger(__name__)


def deliver(event, journal=None):
    """Deliver `event` to the router now, as Lambda would, and return the handler's answer.
    A failure is logged and returned, never raised into the request that caused it: in AWS
    the upload or the subscription has already succeeded by the time the event runs.

    With `journal` (a file path), the delivery and its outcome are recorded there for staff
    (common.journal): on the embedded defaults there is no CloudWatch to look in."""
    start = time.perf_counter()
    with observe.collect() as outcomes:
        try:
            result = route(event)
        except Exception as exc:
            logger.exception("Local event delivery failed")
            result = {"error": f"{type(exc).__name__}: {exc}"}
        else:
            # The handler printed its outcome line already; the whole answer is for debugging.
            logger.debug("Local event delivered: %s", result)
    if journal:
        failed = isinstance(result, dict) and (result.get("error") or result.get("batchItemFailures"))
        journals.record(
            journal,
            source=",".join(sorted(map(str, event_sources(event.get("Records") or [])))),
            summary=journals.summarise(event),
            outcome="failed" if failed else ", ".join(o["outcome"] for o in outcomes) or "ok",
            error=(result.get("error") if isinstance(result, dict) else None) or None,
            start=start,
        )
    return result


def deliver_here(event):
    """common.events' deliverer on the embedded defaults: local media in Django's MEDIA_ROOT
    for the handler, the delivery recorded in the journal beside the other local state."""
    from django.conf import settings

    from thumbnails.objects import local_media_root

    with local_media_root(settings.MEDIA_ROOT):
        return deliver(event, journal=journals.journal_path(settings.VAR_DIR))
