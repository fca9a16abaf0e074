"""Requests per CPU-second for the reader pages, each beside a bare `HttpResponse("ok")` view
and a naive 20-item template, all in one run.

    .venv/bin/python bench/pages.py [--quick]

Self-contained: a throwaway SQLite database and media folder in a temporary directory,
seeded with 200 published posts (2-3 of 10 tags each, two authors with profiles, covers with
five widths in three formats, as the thumbnails handler records them). Every request goes
through the whole Django stack, middleware included, as a WSGI call of
`blog.wsgi.application` over HTTPS (as Zappa presents API Gateway's requests). The bare view
and the naive one are routed by a bench-only urlconf that puts them ahead of the site's URLs,
so they pay the same middleware and the cheapest resolving: the ratios are conservative.

Nothing is reused across requests but what the design stores with a post (its card,
blog/cards.py) and what any Django process keeps (compiled templates, the resolver, the
database connection): every page runs its queries and renders its template each time. The
cards are fresh, as they are after the first list page that shows them; a second figure for
the home page has every card made stale before each request (after a deploy that changed the
card template, or an edit touching every post), so each is rendered and stored again.

The naive baseline is what a tutorial writes: the 20 newest posts as model instances (no
select_related), a template printing each one's link (`{% url %}`), title, date (`|date`) and
summary, with no layout around it.

Each URL is measured for a fixed time in each of several rounds; the table shows the best
round of each (the one least disturbed by the rest of the machine). Time is this process's CPU
time, not wall-clock time: everything here (SQLite included) runs in this one thread, so on an
idle machine the two agree, and on a busy one CPU time still measures the code rather than the
neighbours. The ratio, page rate / bare rate, is what to compare between machines.
"""

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME_TARGET = 0.15
BARE_PATH = "/bare/"
N_POSTS = 200
NAIVE_PATH = "/naive/"
NAIVE_TEMPLATE = """<ol>{% for post in posts %}<li><a href="{% url 'blog:post' post.slug %}">{{ post.title }}</a>
<time>{{ post.publish_at|date:"j F Y" }}</time><p>{{ post.summary }}</p></li>{% endfor %}</ol>"""
WIDTHS = (320, 640, 960, 1280, 1920)
TAG_NAMES = [
    "Travel",
    "Photography",
    "Food",
    "Cities",
    "Mountains",
    "Coast",
    "Trains",
    "Winter",
    "Markets",
    "Notes",
]
BODY = """Some places are better **slowly**. This one rewards an early start, and the {n}th
visit is no exception: the harbour wakes up before the town does.

## What we saw

- Fog lifting off the water
- A [harbour](https://en.wikipedia.org/wiki/Harbor) waking up
- Bread, still warm

> The best light lasts about eleven minutes.

More soon, with `notes` and a [map](https://example.com/maps/{n}).
"""


def configure(tmp):
    """Environment for blog/settings.py, set before Django reads it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "blog.settings"
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = "bench-only-not-secret-" + "x" * 40
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["VAR_DIR"] = str(tmp / "var")
    os.environ["SITE_URL"] = "https://blog.example.com"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))


def tiny_jpeg(colour):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 43), colour).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def seed():
    """200 published posts over the last 200 days; returns (a post slug, a tag slug)."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import transaction

    from blog.models import AuthorProfile, Photo, Post, Tag

    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    with transaction.atomic():
        authors = []
        for username, name in [("ada", "Ada Lindqvist"), ("tomas", "Tomás Ferreira")]:
            user = User.objects.create(username=username)
            AuthorProfile.objects.create(user=user, display_name=name, bio=f"{name} writes here.")
            authors.append(user)
        tags = [Tag.objects.create(name=name, slug=name.lower()) for name in TAG_NAMES]
        photos = []
        for i, colour in enumerate([(24, 88, 140), (90, 40, 110), (170, 90, 30), (40, 120, 70)]):
            photo = Photo(alt_text=f"Cover {i}: a sun over a hill", caption=f"Caption {i}")
            # A named ContentFile: without a name Django records no width and height, and
            # then reopens the image each time a Photo is loaded to measure it again.
            content = ContentFile(tiny_jpeg(colour), name=f"cover-{i}.jpg")
            photo.image.save(content.name, content, save=False)
            photo.save()
            # What the thumbnails handler's manifest records: five widths, three formats.
            renditions = [
                {"width": w, "height": w * 43 // 64, "format": fmt}
                for fmt in ("avif", "webp", "jpeg")
                for w in WIDTHS
            ]
            Photo.objects.filter(pk=photo.pk).update(renditions_status="ready", renditions=renditions)
            photos.append(photo)
        now = datetime.now(UTC)
        through = []
        for n in range(N_POSTS):
            post = Post.objects.create(
                title=f"Notes from the road, part {n + 1}",
                slug=f"notes-from-the-road-{n + 1}",
                summary=f"Part {n + 1}: a short note with a photo, about a place worth a slow visit.",
                body=BODY.format(n=n + 1),
                cover=photos[n % len(photos)],
                author=authors[n % 2],
                publish_at=now - timedelta(days=n, hours=n % 7),
            )
            for k in range(2 + n % 2):
                through.append(Post.tags.through(post=post, tag=tags[(n + 3 * k) % len(tags)]))
        Post.tags.through.objects.bulk_create(through)
    return Post.objects.published().order_by("-publish_at").first().slug, tags[0].slug


def install_bench_urlconf():
    """The site's URLs plus the bare and naive views, as a module of its own: blog/urls.py
    stays untouched."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import path

    import blog.urls
    from blog.models import Post

    naive_template = engines["django"].from_string(NAIVE_TEMPLATE)

    def bare(request):
        return HttpResponse("ok")

    def naive(request):
        posts = Post.objects.filter(publish_at__isnull=False).order_by("-publish_at")[:20]
        return HttpResponse(naive_template.render({"posts": posts}, request))

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [
        path(BARE_PATH.strip("/") + "/", bare),
        path(NAIVE_PATH.strip("/") + "/", naive),
        *blog.urls.urlpatterns,
    ]
    module.handler404 = blog.urls.handler404
    module.handler500 = blog.urls.handler500
    sys.modules[module.__name__] = module
    # Set before the first request: the resolver is cached per urlconf name.
    settings.ROOT_URLCONF = module.__name__


def make_caller(application, url, **headers):
    """A zero-argument function making one full WSGI request for `url`, with `headers` (WSGI
    names, e.g. HTTP_IF_NONE_MATCH) added; returns (status, body)."""
    path, _, query = url.partition("?")
    base = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT": "text/html,application/json;q=0.9,*/*;q=0.8",
        "HTTP_USER_AGENT": "bench/pages.py",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **headers,
    }
    status_holder = []

    def start_response(status, headers, exc_info=None):
        status_holder.append(status)
        call.headers = dict(headers)

    def call():
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO()
        status_holder.clear()
        result = application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            # close() sends request_finished, as a real WSGI server would.
            if hasattr(result, "close"):
                result.close()
        return status_holder[0], body

    return call


def stale_cards(call):
    """`call`, with every post's card marked stale first: the page renders and stores them."""
    from blog.cards import mark_stale
    from blog.models import Post

    def call_stale():
        mark_stale(Post.objects.all())
        return call()

    return call_stale


def rate(call, seconds):
    """Requests per CPU-second over at least `seconds` of CPU time, read every 10 requests."""
    count, batch = 0, 10
    start = time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            call()
        count += batch
        now = time.process_time()
        if now >= deadline:
            return count / (now - start)


def count_queries(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one short round (for a smoke test)")
    args = parser.parse_args()
    rounds, seconds, warmup = (1, 0.5, 20) if args.quick else (3, 1.5, 100)

    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    # Each request still writes its log line, as on Lambda, but to /dev/null, not the table.
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            configure(tmp)
            import django

            django.setup()
            post_slug, tag_slug = seed()
            install_bench_urlconf()
            from blog.wsgi import application

            # Home, a tag (page 1 of ~3), an author, a post, the RSS feed, the API's post list.
            urls = [
                "/",
                f"/tags/{tag_slug}/",
                "/authors/ada/",
                f"/posts/{post_slug}/",
                "/feeds/rss.xml",
                "/api/v1/posts/",
            ]
            callers = {(url, "page"): make_caller(application, url) for url in urls}
            callers["/", "stale"] = stale_cards(make_caller(application, "/"))
            callers[BARE_PATH, "bare"] = make_caller(application, BARE_PATH)
            callers[NAIVE_PATH, "naive"] = make_caller(application, NAIVE_PATH)
            callers["/", "page"]()
            home_etag = callers["/", "page"].headers["ETag"]
            callers["/", "304"] = make_caller(application, "/", HTTP_IF_NONE_MATCH=home_etag)

            queries = {}
            for (url, kind), call in callers.items():
                for _ in range(warmup):
                    status, body = call()
                expected = "304" if kind == "304" else "200"
                if not status.startswith(expected) or (kind != "304" and len(body) < 2):
                    raise SystemExit(
                        f"{url} ({kind}): {status}, {len(body)} bytes: the bench would measure an error"
                    )
                queries[url, kind] = count_queries(call)
            callers["/", "page"]()  # the stale run left the cards fresh again; check it did
            if count_queries(callers["/", "page"]) != queries["/", "page"]:
                raise SystemExit("the home page's cards were not stored: the bench would measure renders")

            best = dict.fromkeys(callers, 0.0)
            for _ in range(rounds):
                for key, call in callers.items():
                    best[key] = max(best[key], rate(call, seconds))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    bare, naive = best[BARE_PATH, "bare"], best[NAIVE_PATH, "naive"]
    print(
        f"Django stack, WSGI, DEBUG off, {N_POSTS} posts; req/s per CPU-second, "
        f"best of {rounds} round(s) of {seconds} s per URL; nothing reused across requests but "
        "each post's stored card"
    )
    rows = [(url, best[url, "page"], queries[url, "page"]) for url in urls]
    rows += [
        ("/ every card stale (rendered, stored)", best["/", "stale"], queries["/", "stale"]),
        ("/ If-None-Match -> 304", best["/", "304"], queries["/", "304"]),
        ("naive 20-item template", naive, queries[NAIVE_PATH, "naive"]),
        ('bare HttpResponse("ok")', bare, queries[BARE_PATH, "bare"]),
    ]
    width = max(len(row[0]) for row in rows)
    print(f"{'url':<{width}} | {'req/s':>6} | {'x bare':>6} | {'x naive':>7} | queries")
    print(f"{'-' * width}-+-{'-' * 6}-+-{'-' * 6}-+-{'-' * 7}-+--------")
    for label, value, count in rows:
        print(f"{label:<{width}} | {value:6.0f} | {value / bare:6.3f} | {value / naive:7.2f} | {count:>7}")
    print(
        f"Target >= {HOME_TARGET}x bare with no page cache (naive template {naive / bare:.3f}x, bare {bare:.0f} req/s, in this run):"
    )
    # The list pages the issue names; a post's own page is not a list and is shown above only.
    for label, url in (
        ("home", "/"),
        ("tag", urls[1]),
        ("author", urls[2]),
        ("RSS feed", urls[4]),
        ("API list", urls[5]),
    ):
        ratio = best[url, "page"] / bare
        print(f"  {label:<9} {ratio:.3f}x  {'met' if ratio >= HOME_TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
