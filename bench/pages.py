"""Requests per second for the reader pages, each beside a bare `HttpResponse("ok")` view.

    .venv/bin/python bench/pages.py [--quick]

Self-contained: a throwaway SQLite database and media folder in a temporary directory,
seeded with 200 published posts (2-3 of 10 tags each, two authors with profiles, covers).
Every request goes through the whole Django stack, middleware included, as a WSGI call of
`blog.wsgi.application` over HTTPS (as Zappa presents API Gateway's requests). The bare view
is routed by a bench-only urlconf that puts it ahead of the site's URLs, so it pays the same
middleware and the cheapest resolving: the ratio is a conservative one.

Each URL (the bare view included) is measured for a fixed time in each of several rounds;
the table shows the best round of each (the one least disturbed by the rest of the machine).
Time is this process's CPU time, not wall-clock time: everything here (SQLite included) runs
in this one thread, so on an idle machine the two agree, and on a busy one (tests running
beside the bench) CPU time still measures the code rather than the neighbours.
The ratio, page rate / bare rate, is what to compare between machines; raw rates are not.

Each page is measured twice, as a warm container meets it (blog/pagecache.py):
- warm: asked again and again with nothing changed, as CloudFront's misses and revalidations
  from many edge locations reach a few warm containers: the content version query and a
  stored page;
- cold: the page cache emptied before each request, so every request renders (the version
  query included), as after an edit or on a new container.
A third figure is the home page revalidated on a warm container: `If-None-Match` with its
ETag, answered 304. The target is read on the warm figure; the cold one is printed beside it.
"""

import argparse
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
    """The site's URLs plus the bare view, as a module of its own: blog/urls.py stays untouched."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.urls import path

    import blog.urls

    def bare(request):
        return HttpResponse("ok")

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [path(BARE_PATH.strip("/") + "/", bare), *blog.urls.urlpatterns]
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


def cold(call):
    """`call`, with the page cache emptied first: the page is rendered every time."""
    from django.core.cache import caches

    pages = caches["pages"]

    def call_cold():
        pages.clear()
        return call()

    return call_cold


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
    try:
        configure(tmp)
        import django

        django.setup()
        post_slug, tag_slug = seed()
        install_bench_urlconf()
        from blog.wsgi import application

        # Home, a post, a tag (page 1 of ~3), the RSS feed, the API's post list.
        urls = ["/", f"/posts/{post_slug}/", f"/tags/{tag_slug}/", "/feeds/rss.xml", "/api/v1/posts/"]
        callers = {}
        for url in urls:
            callers[url, "warm"] = make_caller(application, url)
            callers[url, "cold"] = cold(make_caller(application, url))
        callers[BARE_PATH, "bare"] = make_caller(application, BARE_PATH)
        callers["/", "warm"]()
        home_etag = callers["/", "warm"].headers["ETag"]
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

        best = dict.fromkeys(callers, 0.0)
        for _ in range(rounds):
            for key, call in callers.items():
                best[key] = max(best[key], rate(call, seconds))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    bare = best[BARE_PATH, "bare"]
    print(
        f"Django stack, WSGI, DEBUG off, {N_POSTS} posts; req/s per CPU-second, "
        f"best of {rounds} round(s) of {seconds} s per URL; bare view: {bare:.0f} req/s"
    )
    print("warm: page cache warm (repeat requests); cold: page cache emptied before each request")
    width = max(len(url) for url in urls)
    print(
        f"{'url':<{width}} | {'warm req/s':>10} | {'ratio':>5} | {'cold req/s':>10} | {'ratio':>5} "
        f"| queries warm/cold"
    )
    print(f"{'-' * width}-+-{'-' * 10}-+-{'-' * 5}-+-{'-' * 10}-+-{'-' * 5}-+------------------")
    for url in urls:
        warm, cold_ = best[url, "warm"], best[url, "cold"]
        print(
            f"{url:<{width}} | {warm:10.0f} | {warm / bare:5.3f} | {cold_:10.0f} | {cold_ / bare:5.3f} "
            f"| {queries[url, 'warm']:>8}/{queries[url, 'cold']}"
        )
    revalidated = best["/", "304"]
    print(
        f"{'/ If-None-Match -> 304':<{width}} | {revalidated:10.0f} | {revalidated / bare:5.3f} | "
        f"{'':>10} | {'':>5} | {queries['/', '304']:>8}"
    )
    warm_ratio, cold_ratio = best["/", "warm"] / bare, best["/", "cold"] / bare
    verdict = "met" if warm_ratio >= HOME_TARGET else "NOT met"
    print(
        f"Home page target (>= {HOME_TARGET} of bare), page cache warm: {verdict} ({warm_ratio:.3f}); "
        f"cold, rendered each time: {cold_ratio:.3f}"
    )


if __name__ == "__main__":
    main()
