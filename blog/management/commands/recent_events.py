"""The events the app delivered to its own handlers on the embedded defaults, newest first:
what staff would look for in CloudWatch in AWS (also in the admin, "Recent events")."""

from django.conf import settings
from django.core.management.base import BaseCommand

from common import journal


class Command(BaseCommand):
    help = "List the recent locally delivered events (S3 uploads, subscriber stream) and their outcomes."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20)

    def handle(self, *args, limit=20, **options):
        entries = journal.recent(journal.journal_path(settings.VAR_DIR), limit=limit)
        if not entries:
            self.stdout.write("No local events recorded yet.")
        for entry in entries:
            error = f"  {entry['error']}" if entry.get("error") else ""
            self.stdout.write(
                f"{entry['time']}  {entry['source']:13} {entry['outcome']:10} {entry['ms']:>5} ms  "
                f"{entry['summary']}{error}"
            )
