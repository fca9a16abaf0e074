"""Run the one-minute schedules on the embedded defaults: once (`--once`, what a test or a cron
would do), or every minute until stopped. `manage.py runserver` (and so `make run`) runs them
itself on a background thread."""

import json

from django.core.management.base import BaseCommand

from dispatch import schedules


class Command(BaseCommand):
    help = "Run the scheduled tasks (due posts, photo renditions) and catch up the local stream."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")
        parser.add_argument("--every", type=int, default=60, help="Seconds between ticks (default 60).")

    def handle(self, *args, once=False, every=60, **options):
        if once:
            self.stdout.write(json.dumps(schedules.tick(), default=str))
            return
        ticker = schedules.Ticker(interval=every)
        ticker.start()
        try:
            ticker.join()
        except KeyboardInterrupt:
            ticker.stop()
