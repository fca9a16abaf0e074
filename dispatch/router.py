"""Which handler owns an event. Pure routing: no Django, no boto3, nothing imported until an
event needs it, so the S3 path never pays for Django's start-up.

An event with `Records` from a source nobody owns is an error, never a silent success.
Events without `Records` (HTTP, schedules, `zappa manage`, keep-warm) are not ours: `route`
returns NOT_OURS and the Lambda entry point hands them to Zappa's handler. A scheduled event
names its task by its rule (Zappa names the rule `<function>-<dotted task>`); `scheduled_task`
reads it back for replay and for the local schedule, from the same table of known tasks."""

import importlib

NOT_OURS = object()

# Event source -> the handler that owns its records. The only routing table: zappa_settings'
# events only tell Zappa what to wire up.
HANDLERS = {
    "aws:s3": "thumbnails.handler.handle_s3_event",
    "aws:dynamodb": "welcome.handler.handle_stream_event",
    "aws:sns": "welcome.handler.handle_sns_event",
    # The newsletter queue (the edge stack's event source mapping); the only queue that
    # invokes the function.
    "aws:sqs": "newsletter.handler.handle_queue_event",
}

# The tasks the schedules run (zappa_settings.json's `expression` events; a test
# keeps the two equal). Nothing else may be run from a scheduled event's rule name.
SCHEDULED_TASKS = (
    "blog.tasks.publish_due_posts",
    "blog.tasks.refresh_photo_renditions",
    "blog.tasks.delete_orphan_uploads",
)


class UnknownEvent(ValueError):
    """An event we were asked to handle but no handler owns."""


def event_sources(records):
    # SNS spells the key `EventSource`; S3 and DynamoDB spell it `eventSource`.
    return {record.get("eventSource") or record.get("EventSource") for record in records}


def _function(dotted):
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def route(event, context=None):
    """Hand `event` to its handler and return the handler's answer, or NOT_OURS."""
    if not isinstance(event, dict):
        raise UnknownEvent(f"Event is a {type(event).__name__}, not a JSON object.")
    if event.get("Event") == "s3:TestEvent":
        # S3 sends this once when a notification is configured: there is nothing to do.
        return {"ignored": "s3:TestEvent"}
    records = event.get("Records")
    if records is None:
        return NOT_OURS
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise UnknownEvent("`Records` is not a list of objects.")
    if not records:
        return {"batchItemFailures": []}
    sources = event_sources(records)
    if len(sources) != 1:
        raise UnknownEvent(f"Records from several sources in one event: {sorted(map(str, sources))}.")
    (source,) = sources
    if source not in HANDLERS:
        raise UnknownEvent(f"No handler for records from {source!r}.")
    return _function(HANDLERS[source])(event, context)


def scheduled_task(event):
    """The dotted name of the task a scheduled event runs, or None if it is not a scheduled
    event. Raises UnknownEvent for a schedule whose task is not one of ours."""
    if not isinstance(event, dict) or event.get("detail-type") != "Scheduled Event":
        return None
    resources = event.get("resources")
    rule = resources[0] if isinstance(resources, list) and resources and isinstance(resources[0], str) else ""
    # Zappa's own reading of its rule names: `...:rule/<function>-<dotted task>`.
    task = rule.split("/")[-1].split("-")[-1]
    if task not in SCHEDULED_TASKS:
        raise UnknownEvent(f"No scheduled task for rule {rule!r}.")
    return task


def run_scheduled(event, context=None):
    """Run the task a scheduled event names (as Zappa's handler would) and return its answer."""
    return _function(scheduled_task(event))(event, context)
