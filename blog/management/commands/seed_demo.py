"""Demo content for a newcomer's first `make run`: two authors, tags, photos, posts in every
state, and an editor account whose credentials it prints. Does nothing if posts exist."""

import io
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from blog.models import AuthorProfile, Photo, Post, Tag
from blog.services import ensure_editors_group

EDITOR_USERNAME = "editor"

AUTHORS = [
    ("ada", "Ada Lindqvist", "Walks coastlines with a camera and too many lenses."),
    ("tomas", "Tomás Ferreira", "Writes about cities, trains and the food between them."),
]
TAGS = ["Travel", "Photography", "Food", "Cities", "Mountains"]
POSTS = [
    ("A morning on the northern coast", "ada", ["Travel", "Photography"], (24, 88, 140), 9),
    ("Night trains, revisited", "tomas", ["Travel", "Cities"], (90, 40, 110), 7),
    ("What the market sells in November", "tomas", ["Food", "Cities"], (170, 90, 30), 5),
    ("Light above the tree line", "ada", ["Mountains", "Photography"], (40, 120, 70), 3),
    ("Notes on a slow lens", "ada", ["Photography"], (120, 120, 120), 1),
]
BODY = """Some places are better **slowly**. This one rewards an early start.

## What we saw

- Fog lifting off the water
- A [harbour](https://en.wikipedia.org/wiki/Harbor) waking up
- Bread, still warm

> The best light lasts about eleven minutes.

More soon.
"""


LENS_BODY = """A slow lens makes you wait for the light, and that is the point.

![](photo:{photo})

How long to expose, roughly:

```python
def exposure(ev: float, iso: int = 100) -> float:
    \"\"\"Seconds at f/8 for a scene of `ev` at `iso`.\"\"\"
    return 64 / (2 ** ev) * (100 / iso)
```
"""


def demo_jpeg(colour, size=(1600, 1067)):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    w, h = size
    for i in range(0, h, 8):
        shade = tuple(min(255, c + i * 60 // h) for c in colour)
        draw.rectangle([0, i, w, i + 8], fill=shade)
    draw.ellipse([w * 0.6, h * 0.15, w * 0.8, h * 0.45], fill=(250, 240, 200))
    draw.polygon([(0, h), (w * 0.35, h * 0.5), (w * 0.7, h)], fill=tuple(c // 2 for c in colour))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Load demo content the first time (posts, tags, photos, two authors, an editor)."

    def handle(self, *args, **options):
        password = self._ensure_editor()
        if Post.objects.exists():
            self.stdout.write("Demo content: posts exist already, nothing loaded.")
        else:
            self._load()
            self.stdout.write(self.style.SUCCESS("Demo content loaded."))
        # `make run` prints the login again once the server is up (manage.py devserver).
        self.stdout.write(
            f"Editor login: http://127.0.0.1:8000/admin/  user: {EDITOR_USERNAME}  password: {password}"
        )

    def _ensure_editor(self):
        # The password lives only in the git-ignored local folder, readable by its owner.
        credentials = settings.VAR_DIR / "editor-password.txt"
        User = get_user_model()
        if credentials.exists() and User.objects.filter(username=EDITOR_USERNAME).exists():
            return credentials.read_text().strip()
        password = secrets.token_urlsafe(12)
        editor, _ = User.objects.get_or_create(
            username=EDITOR_USERNAME, defaults={"email": "editor@example.com"}
        )
        editor.is_staff = True
        editor.set_password(password)
        editor.save()
        editor.groups.add(ensure_editors_group())
        AuthorProfile.objects.get_or_create(user=editor, defaults={"display_name": "The Editor"})
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.write_text(password + "\n")
        credentials.chmod(0o600)
        return password

    @transaction.atomic
    def _load(self):
        User = get_user_model()
        authors = {}
        for username, name, bio in AUTHORS:
            user, _ = User.objects.get_or_create(username=username)
            AuthorProfile.objects.update_or_create(user=user, defaults={"display_name": name, "bio": bio})
            authors[username] = user
        tags = {name: Tag.objects.get_or_create(name=name, slug=name.lower())[0] for name in TAGS}
        now = timezone.now()
        photos = []
        for title, author, tag_names, colour, days_ago in POSTS:
            photo = Photo(alt_text=f"Illustration for “{title}”: a sun over a hill", caption="Demo image")
            photo.image.save(
                f"{title.lower().replace(' ', '-')[:40]}.jpg",
                ContentFile(demo_jpeg(colour), name="demo.jpg"),
                save=False,
            )
            photo.width, photo.height = 1600, 1067  # demo_jpeg's size
            photo.save()
            photos.append(photo)
            post = Post.objects.create(
                title=title,
                slug=title.lower().replace(",", "").replace(" ", "-"),
                summary=f"{title}: a short note with a photo.",
                body=BODY,
                cover=photo,
                author=authors[author],
                publish_at=now - timedelta(days=days_ago),
            )
            post.tags.set([tags[name] for name in tag_names])
        # The editor's desk at work: a photo in a body, and highlighted code.
        lens = Post.objects.get(slug="notes-on-a-slow-lens")
        lens.body = LENS_BODY.format(photo=photos[0].pk)
        lens.save()
        Post.objects.create(
            title="Draft: things I still need to write",
            slug="draft-ideas",
            body="Not ready.",
            author=authors["ada"],
        )
        Post.objects.create(
            title="Coming soon: the winter issue",
            slug="winter-issue",
            body="Scheduled.",
            author=authors["tomas"],
            publish_at=now + timedelta(days=7),
        )
