"""Make photos' renditions again: chosen ones by id, or all of them after a change of sizes.
Works the same locally (files in MEDIA_ROOT) and in AWS (`zappa manage <stage> "rerender_photos
--all"`), through the thumbnail handler's own code; each photo's status is refreshed after."""

from django.core.management.base import BaseCommand, CommandError

from blog.models import Photo
from blog.renditions import rerender


class Command(BaseCommand):
    help = "Re-render the renditions of the given photos (ids), or of every photo with --all."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="Photo ids.")
        parser.add_argument("--all", action="store_true", help="Every photo.")

    def handle(self, *args, ids=(), all=False, **options):
        if bool(ids) == bool(all):
            raise CommandError("Give photo ids, or --all (not both).")
        photos = Photo.objects.order_by("pk")
        if ids:
            photos = photos.filter(pk__in=ids)
            missing = sorted(set(ids) - set(photos.values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"No photo with id {', '.join(map(str, missing))}.")
        failed = 0
        for photo in photos.iterator():
            try:
                result = rerender(photo)
            except Exception as error:  # one photo's trouble never stops the others
                failed += 1
                self.stdout.write(f"photo {photo.pk}: failed ({type(error).__name__}: {error})")
                continue
            detail = (
                result.get("reason") or result.get("why") or f"{len(result.get('renditions', []))} renditions"
            )
            self.stdout.write(f"photo {photo.pk}: {result['status']} ({detail})")
            failed += result["status"] == "rejected"
        if failed:
            raise CommandError(f"{failed} photo(s) could not be rendered; see above.")
