"""Which handler owns an event. Pure routing: no Django, no boto3, nothing imported until an
event needs it, so the S3 path never pays for Django's start-up.

An event with `Records` from a source nobody owns is an error, never a silent success.
Events without `Records` (HTTP, schedules, `zappa manage`, keep-warm) are not ours: `route`
returns NOT_OURS and the Lambda entry point hands them to Zappa's handler."""

NOT_OURS = object()


class UnknownEvent(ValueError):
    """An event we were asked to handle but no handler owns."""


def event_sources(records):
    # SNS spells the key `EventSource`; S3 and DynamoDB spell it `eventSource`.
    return {record.get("eventSource") or record.get("EventSource") for record in records}


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
    if source == "aws:s3":
        from thumbnails.handler import handle_s3_event

        return handle_s3_event(event, context)
    if source == "aws:dynamodb":
        from welcome.handler import handle_stream_event

        return handle_stream_event(event, context)
    if source == "aws:sns":
        from welcome.handler import handle_sns_event

        return handle_sns_event(event, context)
    raise UnknownEvent(f"No handler for records from {source!r}.")
