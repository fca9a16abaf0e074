"""The reader site through HTTP: what readers see, and what they never see."""

import json
import re
from datetime import timedelta

import pytest

pytestmark = pytest.mark.django_db


def test_home_lists_published_posts_newest_first(client, make_post):
    """The home page shows published posts, newest first, and nothing else."""
    older = make_post(title="Older post")
    make_post(title="Newer post", publish_at=older.publish_at + timedelta(minutes=5))
    make_post(state="draft", title="Secret draft")
    make_post(state="scheduled", title="Future post")

    html = client.get("/").content.decode()

    assert html.index("Newer post") < html.index("Older post")
    assert "Secret draft" not in html
    assert "Future post" not in html


def test_home_is_paginated(client, make_post, settings):
    """Twenty posts a page; the next page links back; a page past the end is a 404."""
    for _ in range(23):
        make_post()
    first = client.get("/")
    second = client.get("/?page=2")

    assert first.content.decode().count('class="post-card"') == 20
    assert second.content.decode().count('class="post-card"') == 3
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert 'rel="prev"' in second.content.decode()
    assert client.get("/?page=3").status_code == 404
    assert client.get("/?page=abc").status_code == 404
    for odd in ["0", "-1", "2.0", "9" * 30]:
        assert client.get("/", {"page": odd}).status_code == 404, odd
    assert "Page 2 of 2" in client.get("/", {"page": "2"}).content.decode()


def test_post_page_renders_sanitised_markdown_and_metadata(client, make_post, make_photo):
    """A post page has its HTML body, OpenGraph and Twitter tags, a canonical link and JSON-LD."""
    post = make_post(
        title="Hello </script> world",
        body="## Heading\n\nA [link](https://example.com) and\n\n- one\n- two\n",
        cover=make_photo(alt_text="A lighthouse at dawn"),
        tags=["Travel"],
    )
    response = client.get(f"/posts/{post.slug}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h2>Heading</h2>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer">link</a>' in html
    assert "<li>one</li>" in html
    assert f'<link rel="canonical" href="https://blog.example.com/posts/{post.slug}/">' in html
    assert 'property="og:title" content="Hello &lt;/script&gt; world"' in html
    # Link previews and the page use renditions, never the original upload.
    assert 'property="og:image" content="https://blog.example.com/media/renditions/' in html
    assert "/media/uploads/" not in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    assert 'alt="A lighthouse at dawn"' in html

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Hello </script> world"
    assert data["url"] == f"https://blog.example.com/posts/{post.slug}/"
    assert "</script>" not in block


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_unpublished_posts_are_404_everywhere(client, make_post, state):
    """Drafts and scheduled posts never appear: not on their page, a tag page, the author page,
    feeds, sitemap, search or API."""
    post = make_post(state=state, title="Hidden needle", tags=["Secret"], slug="hidden-needle")
    make_post(title="Visible", author=post.author)

    assert client.get("/posts/hidden-needle/").status_code == 404
    assert client.get("/api/v1/posts/hidden-needle/").status_code == 404
    assert client.get("/tags/secret/").status_code == 404
    assert client.get("/feeds/tags/secret/rss.xml").status_code == 404
    for url in [
        "/",
        f"/authors/{post.author.username}/",
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/sitemap.xml",
        "/search/?q=needle",
        "/api/v1/posts/",
        "/api/v1/posts/?q=needle",
        "/api/v1/tags/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "hidden needle" not in body.lower(), url
        assert "hidden-needle" not in body, url
        assert "Secret" not in body, url


def test_tag_page_lists_its_posts(client, make_post):
    """A tag page lists the published posts with that tag and links its feeds."""
    make_post(title="Tagged one", tags=["Food"])
    make_post(title="Untagged one")
    html = client.get("/tags/food/").content.decode()

    assert "Tagged one" in html
    assert "Untagged one" not in html
    assert 'href="/feeds/tags/food/rss.xml"' in html
    assert client.get("/tags/nothing/").status_code == 404


def test_author_page_shows_profile_and_posts(client, make_author, make_post):
    """An author page shows the display name, bio and their posts; an account that has
    published nothing has no public page."""
    ada = make_author("ada", "Ada Lindqvist")
    make_post(title="By Ada", author=ada)
    make_post(title="By someone else")
    make_author("quiet")

    html = client.get("/authors/ada/").content.decode()
    assert "Ada Lindqvist" in html
    assert "By Ada" in html
    assert "By someone else" not in html
    assert client.get("/authors/quiet/").status_code == 404
    assert client.get("/authors/nobody/").status_code == 404
    assert client.get("/authors/ada%00/").status_code == 404


def test_search_finds_words_in_title_and_body(client, make_post):
    """Search finds published posts by a word in the title or the body."""
    make_post(title="Mountain huts", body="Cold nights.")
    make_post(title="City notes", body="A walk to the harbour.")
    make_post(title="Other")

    assert "Mountain huts" in client.get("/search/?q=mountain").content.decode()
    harbour = client.get("/search/?q=harbour").content.decode()
    assert "City notes" in harbour
    assert "Mountain huts" not in harbour
    assert "0 results" in client.get("/search/?q=zzzyx").content.decode()


@pytest.mark.parametrize("query", ["", "   ", "\x00", "a" * 5000, "'; DROP TABLE blog_post; --", "<script>"])
def test_search_survives_odd_queries(client, make_post, query):
    """Odd search input is answered, never a server error, and never echoed unescaped."""
    make_post()
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_feeds_list_published_posts_with_absolute_links(client, make_post):
    """RSS and Atom carry the published posts with links on the public site URL."""
    post = make_post(title="Feed item", tags=["Travel"])
    make_post(state="draft", title="Draft item")

    rss = client.get("/feeds/rss.xml")
    atom = client.get("/feeds/atom.xml")
    tag_rss = client.get("/feeds/tags/travel/rss.xml")
    tag_atom = client.get("/feeds/tags/travel/atom.xml")

    assert rss["Content-Type"].startswith("application/rss+xml")
    assert atom["Content-Type"].startswith("application/atom+xml")
    for response in (rss, atom, tag_rss, tag_atom):
        body = response.content.decode()
        assert "Feed item" in body
        assert f"https://blog.example.com/posts/{post.slug}/" in body
        assert "Draft item" not in body


def test_sitemap_and_robots(client, make_post):
    """The sitemap lists the home page, posts, tags and authors on the public URL; robots.txt
    points to it and keeps crawlers out of the admin."""
    post = make_post(tags=["Travel"])
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "<loc>https://blog.example.com/</loc>" in sitemap
    assert f"<loc>https://blog.example.com/posts/{post.slug}/</loc>" in sitemap
    assert "<loc>https://blog.example.com/tags/travel/</loc>" in sitemap
    assert f"<loc>https://blog.example.com/authors/{post.author.username}/</loc>" in sitemap

    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: https://blog.example.com/sitemap.xml" in robots.content.decode()
    assert "Disallow: /admin/" in robots.content.decode()


def test_friendly_404(client):
    """An unknown page gets the site's own 404 page with a way back."""
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "couldn\N{RIGHT SINGLE QUOTATION MARK}t find that page" in response.content.decode()
    assert 'href="/"' in response.content.decode()


def test_friendly_500(client, settings):
    """A crash gets a friendly, uncached 500 page, not a traceback."""
    settings.ROOT_URLCONF = "tests.blog.crash_urls"
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "kaboom" not in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


def test_pages_need_no_javascript(client, make_post):
    """Pages are readable without JavaScript: no script tags other than JSON-LD data."""
    post = make_post()
    for url in ["/", f"/posts/{post.slug}/", "/search/?q=post"]:
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script(?![^>]*application/ld\+json)", html)
        assert scripts == [], url
