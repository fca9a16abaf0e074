"""Admin login throttling, the parts django-axes leaves to the project: whose address a login
comes from, and the page a locked-out editor sees, which says when to try again.

Axes counts failures per account and client address in the database (every Lambda container
sees the same count) and refuses a locked pair before any password is hashed."""

import math

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone


def client_address(request):
    """The client's address: REMOTE_ADDR, which the deployment sets to the viewer address
    CloudFront saw. Never X-Forwarded-For or any other header a client can write."""
    return request.META.get("REMOTE_ADDR") or None


def lockout_ends(username, ip_address, now=None):
    """When the lockout of this account at this address ends: the cool-off after the newest
    failure counted against the pair (failures during the lockout are not counted)."""
    from axes.models import AccessAttempt

    newest = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (newest or now or timezone.now()) + settings.AXES_COOLOFF_TIME


def lockout_response(request, original_response=None, credentials=None):
    """429 with `Retry-After`, and the admin's login page saying until when logins for this
    account from this address are refused."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    now = timezone.now()
    until = max(lockout_ends(username, client_address(request), now=now), now)
    seconds = max(1, math.ceil((until - now).total_seconds()))
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "until": until,
        "minutes": math.ceil(seconds / 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = TemplateResponse(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response.render()
