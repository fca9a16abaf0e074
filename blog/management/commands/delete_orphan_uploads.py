"""Delete uploads no photo took, a day old or more (the hourly schedule's task, run now)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from blog.uploads import delete_orphan_uploads


class Command(BaseCommand):
    help = "Delete uploads no photo uses (and their renditions) once they are old enough."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=float, default=None, help="minimum age (default: ORPHAN_UPLOAD_HOURS, 24)"
        )

    def handle(self, *args, hours=None, **options):
        deleted = delete_orphan_uploads(timedelta(hours=hours) if hours is not None else None)
        for key in deleted:
            self.stdout.write(f"deleted {key}")
        self.stdout.write(f"{len(deleted)} orphan upload(s) deleted.")
