"""The admin's "Recent events" page: on the embedded defaults, the events the app delivered
to its own handlers (uploads' S3 events, the subscriber stream) and how each ended, newest
first, read from the local journal (common.journal). In AWS the same facts are in the
function's log and metrics, so the page says so instead of showing nothing."""

from django.conf import settings
from django.template.response import TemplateResponse

from common import journal

SHOWN = 100


def recent_events_view(request, site):
    context = {
        **site.each_context(request),
        "title": "Recent events",
        "entries": journal.recent(journal.journal_path(settings.VAR_DIR), limit=SHOWN),
        "in_aws": bool(settings.MEDIA_BUCKET or settings.SUBSCRIBERS_TABLE),
        "shown": SHOWN,
    }
    return TemplateResponse(request, "blog/admin/recent_events.html", context)


def install(site):
    """Add the page to `site`'s URLs (admin:recent_events) and to its app list, for staff with
    `blog.view_event_journal` (see blog.models.EventJournal)."""
    site.add_page(
        route="events/recent/",
        url_name="recent_events",
        title="Recent events",
        object_name="RecentEvent",
        section="Operations",
        section_label="operations",
        view=recent_events_view,
        permission="blog.view_event_journal",
    )
