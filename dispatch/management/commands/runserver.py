"""`runserver`, plus the one-minute schedules on a background thread, so the embedded defaults
publish scheduled posts, finish stuck photos and catch up lost welcomes as AWS would.
LOCAL_SCHEDULE_SECONDS sets the interval (60); `--no-schedules` or LOCAL_EVENTS=false turns
them off."""

import os

from django.contrib.staticfiles.management.commands.runserver import Command as StaticfilesRunserver

from common.events import local_delivery_enabled
from dispatch.schedules import Ticker


class Command(StaticfilesRunserver):
    help = StaticfilesRunserver.help + " Runs the one-minute schedules in the background."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-schedules", action="store_false", dest="schedules", help="Do not run the schedules."
        )

    def inner_run(self, *args, **options):
        # inner_run is the serving process (the autoreloader's child): one ticker per server.
        if options.get("schedules", True) and local_delivery_enabled():
            Ticker(interval=int(os.environ.get("LOCAL_SCHEDULE_SECONDS", "60"))).start()
        super().inner_run(*args, **options)
