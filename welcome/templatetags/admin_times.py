"""`{{ value|site_time }}`: a stored UTC timestamp (an ISO 8601 string, as subscribers and the
events journal keep them, or a datetime) as the admin shows every time: in the site's zone
(TIME_ZONE), to the second, with the zone's name; never the stored microseconds."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def site_time(value):
    if not value:
        return ""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value  # not a time: shown as it is
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y, %H:%M:%S} {local.tzname()}"
