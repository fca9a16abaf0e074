"""Subscribers in the admin: counts by status, search by address, CSV export.

Subscribers are not Django models (they live in DynamoDB or the local store), so there is no
ModelAdmin: a view is added to the default admin site's URLs, and an entry to its app list so
it shows on the index and in the sidebar, for staff with `welcome.view_subscribers` only (the
CSV export also needs `welcome.export_subscribers`; see welcome.models). At a blog's scale
each page scans the whole table; that is fine for thousands of entries."""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from welcome.store import get_store
from welcome.subscriber import EXPIRED, STATUSES

SHOWN = 200
CSV_COLUMNS = (
    "email",
    "status",
    "created_at",
    "region",
    "confirmed_at",
    "unsubscribed_at",
    "suppressed_at",
    "rejected_at",
    "status_reason",
    "welcome_sent_at",
    "soft_bounces",
)


def _cell(value):
    # A cell starting with = + - @ is a formula to a spreadsheet: an address can start so.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv(subscribers, now):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="subscribers-{now:%Y%m%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for subscriber in subscribers:
        row = [getattr(subscriber, column) for column in CSV_COLUMNS]
        row[1] = subscriber.display_status(now)
        writer.writerow([_cell(value) for value in row])
    return response


def subscribers_view(request, site=admin.site):
    now = timezone.now()
    store = get_store()
    query = request.GET.get("q", "").strip()[:254]
    subscribers = store.search(query)
    if request.GET.get("format") == "csv":
        if not request.user.has_perm("welcome.export_subscribers"):
            raise PermissionDenied
        return _csv(subscribers, now)
    counts = store.counts(now=now)
    context = {
        **site.each_context(request),
        "title": "Subscribers",
        "counts": [(status, counts.get(status, 0)) for status in (*STATUSES, EXPIRED)],
        "total": sum(counts.values()),
        "query": query,
        "subscribers": [(s, s.display_status(now)) for s in subscribers[:SHOWN]],
        "matches": len(subscribers),
        "shown": SHOWN,
        "can_export": request.user.has_perm("welcome.export_subscribers"),
    }
    return TemplateResponse(request, "welcome/admin/subscribers.html", context)


admin.site.add_page(
    route="welcome/subscribers/",
    url_name="welcome_subscribers",
    title="Subscribers",
    object_name="Subscriber",
    section="Subscribers",
    section_label="welcome",
    view=subscribers_view,
    permission="welcome.view_subscribers",
)
