"""Replay failed events: from the failed-records queue (in AWS, or `zappa manage <stage>
replay_failed`) or from an event JSON file (anywhere, including the embedded defaults).

Each record is run through the same router the function uses and reported as ok, skipped or
failed; a queue message is deleted only when all of its records succeeded. The logic is in
dispatch.replay; this is the command line around it."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common import aws
from dispatch import replay
from thumbnails.objects import local_media_root


class Command(BaseCommand):
    help = "Run failed events again through their handlers, from the failed-records queue or a file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue",
            default=None,
            help="Queue URL or name (default: the FAILED_RECORDS_QUEUE setting).",
        )
        parser.add_argument("--file", type=Path, help="A raw event, or a queue message's body, as JSON.")
        parser.add_argument("--limit", type=int, default=100, help="At most this many queue messages.")

    def handle(self, *args, queue=None, file=None, limit=100, **options):
        # An event of the embedded defaults' own (its bucket is the media folder) finds it here.
        with local_media_root(settings.MEDIA_ROOT):
            return self._handle(queue, file, limit)

    def _handle(self, queue, file, limit):
        if file:
            return self._replay_file(file)
        queue = queue or settings.FAILED_RECORDS_QUEUE
        if not queue:
            raise CommandError("No queue: pass --queue, set FAILED_RECORDS_QUEUE, or use --file.")
        self._replay_queue(queue, limit)

    def _replay_file(self, path):
        try:
            body = json.loads(path.read_text())
            events = replay.events_in(body)
        except (OSError, ValueError) as error:
            raise CommandError(f"{path}: {error}") from None
        succeeded = True
        for event in events:
            ok, lines = replay.run(event, replayed_file=path.name)
            succeeded &= ok
            self._report(lines)
        self.stdout.write(f"{path.name}: {'succeeded' if succeeded else 'FAILED'}")
        if not succeeded:
            raise CommandError("Some records failed again; see above.")

    def _replay_queue(self, queue, limit):
        sqs = aws.client("sqs")
        url = queue if queue.startswith("https://") else sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        kept = deleted = 0
        for message_id, succeeded, lines, problem in replay.replay_queue(url, sqs, limit=limit):
            self._report(lines)
            if problem:
                self.stdout.write(f"message {message_id}: kept ({problem})")
            else:
                self.stdout.write(f"message {message_id}: {'deleted' if succeeded else 'kept'}")
            deleted += succeeded
            kept += not succeeded
        self.stdout.write(f"{deleted} message(s) replayed and deleted, {kept} kept in the queue.")

    def _report(self, lines):
        for line in lines:
            self.stdout.write("  " + replay.describe(line))
