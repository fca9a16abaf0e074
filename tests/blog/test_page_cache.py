"""The page cache at the origin (blog.pagecache): a page rendered once is served again for one
query, and any change readers could see shows on the very next request, byte for byte as if
nothing had been cached."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import AuthorProfile, Photo, Post, SiteVersion, Tag

pytestmark = pytest.mark.django_db


def get(client, url, **extra):
    """(response, number of queries it took)"""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    return response, len(ctx.captured_queries)


def uncached(url):
    """What the page is with nothing stored: the reference a cached answer must equal."""
    caches["pages"].clear()
    return Client().get(url)


def assert_warm(client, url):
    """`url` is stored: asking again costs the version query only."""
    client.get(url)
    _, queries = get(client, url)
    assert queries == 1, url


@pytest.fixture
def site(make_author, make_post, make_photo):
    author = make_author("ada", "Ada Lindqvist")
    post = make_post(title="Harbour at dawn", author=author, tags=["Travel"], cover=make_photo("A red door"))
    make_post(title="Older notes", author=author, tags=["Food"])
    return post


PAGES = [
    "/",
    "/?page=1",
    "/posts/{slug}/",
    "/tags/travel/",
    "/authors/ada/",
    "/feeds/rss.xml",
    "/feeds/atom.xml",
    "/feeds/tags/travel/rss.xml",
    "/feeds/tags/travel/atom.xml",
    "/sitemap.xml",
    "/api/v1/posts/",
    "/api/v1/posts/?tag=travel&author=ada",
    "/api/v1/posts/{slug}/",
    "/api/v1/tags/",
    "/posts/missing/",
    "/tags/nothing/",
    "/api/v1/posts/missing/",
    "/api/v1/posts/?page=9",
]


@pytest.mark.parametrize("url", PAGES)
def test_stored_answers_equal_the_uncached_ones(client, site, settings, url):
    """Rendered into the cache or served from it, a page (or a 404) has the body, status and
    headers it has with the page cache switched off."""
    url = url.format(slug=site.slug)
    settings.PAGE_CACHE_ENABLED = False
    reference = client.get(url)
    settings.PAGE_CACHE_ENABLED = True

    stored, replayed = client.get(url), client.get(url)

    for response in (stored, replayed):
        assert response.status_code == reference.status_code
        assert response.content == reference.content
        assert sorted(response.items()) == sorted(reference.items())
    _, queries = get(client, url)
    assert queries == 1


# url, a change, what the page shows afterwards
def _retitle(post):
    post.title = "Harbour at dusk"
    post.save()
    return "Harbour at dusk"


def _rename_tag(post):
    tag = Tag.objects.get(slug="travel")
    tag.name = "Journeys"
    tag.save()
    return "Journeys"


def _new_alt_text(post):
    photo = Photo.objects.get(pk=post.cover_id)
    photo.alt_text = "A blue door"
    photo.save()
    return "A blue door"


def _rename_author(post):
    profile = AuthorProfile.objects.get(user=post.author)
    profile.display_name = "Ada L."
    profile.save()
    return "Ada L."


def _add_tag(post):
    post.tags.add(Tag.objects.create(name="Coast", slug="coast"))
    return "Coast"


EDITS = {
    "post title": (["/", "/posts/{slug}/", "/feeds/rss.xml", "/api/v1/posts/", "/authors/ada/"], _retitle),
    "tag name": (["/", "/posts/{slug}/", "/tags/travel/", "/api/v1/tags/", "/feeds/atom.xml"], _rename_tag),
    "photo alt text": (["/", "/posts/{slug}/", "/api/v1/posts/{slug}/"], _new_alt_text),
    "author display name": (["/", "/authors/ada/", "/api/v1/posts/", "/feeds/rss.xml"], _rename_author),
    "tag added to a post": (["/", "/api/v1/tags/", "/sitemap.xml"], _add_tag),
}


@pytest.mark.parametrize("edit", EDITS)
def test_an_edit_shows_on_the_next_request(client, site, edit):
    """Every page that shows the edited thing shows the edit at once, exactly as a fresh render."""
    urls, change = EDITS[edit]
    urls = [url.format(slug=site.slug) for url in urls]
    for url in urls:
        assert_warm(client, url)

    shown = change(site)

    for url in urls:
        response = client.get(url)
        assert shown.lower() in response.content.decode().lower(), url  # the sitemap has slugs
        assert response.content == uncached(url).content, url


def test_a_deleted_post_disappears(client, site):
    """A deleted post (not the newest, so only the counter can tell) leaves the lists, and its
    page is a 404."""
    older = Post.objects.get(title="Older notes")
    for url in ["/", f"/posts/{older.slug}/"]:
        assert_warm(client, url)
    older.delete()
    assert "Older notes" not in client.get("/").content.decode()
    assert client.get(f"/posts/{older.slug}/").status_code == 404


def test_a_user_without_a_profile_is_shown_by_name(client, make_post):
    """Without a profile the full name is shown; renaming the user shows too."""
    user = get_user_model().objects.create_user(username="bo", first_name="Bo", last_name="Berg")
    make_post(author=user)
    assert_warm(client, "/authors/bo/")
    user.last_name = "Brink"
    user.save()
    assert "Bo Brink" in client.get("/authors/bo/").content.decode()


def test_publishing_and_unpublishing_in_the_admin_show_at_once(editor_client, site, make_post):
    """An editor's publish and unpublish actions reach the next reader's request."""
    reader = Client()
    draft = make_post(state="draft", title="Fresh from the admin", tags=["Travel"])
    for url in ["/", "/tags/travel/", f"/posts/{draft.slug}/"]:
        assert_warm(reader, url)

    editor_client.post("/admin/blog/post/", {"action": "publish_now", "_selected_action": [draft.pk]})
    assert "Fresh from the admin" in reader.get("/").content.decode()
    assert "Fresh from the admin" in reader.get("/tags/travel/").content.decode()
    assert reader.get(f"/posts/{draft.slug}/").status_code == 200

    editor_client.post("/admin/blog/post/", {"action": "unpublish", "_selected_action": [draft.pk]})
    assert "Fresh from the admin" not in reader.get("/").content.decode()
    assert reader.get(f"/posts/{draft.slug}/").status_code == 404


def test_a_scheduled_post_shows_when_its_time_comes(client, site, make_post, monkeypatch):
    """No save happens when a scheduled post goes live; the next request shows it anyway."""
    scheduled = make_post(state="scheduled", title="Tomorrow's post", tags=["Travel"])
    urls = ["/", "/tags/travel/", "/feeds/rss.xml", "/api/v1/posts/", f"/posts/{scheduled.slug}/"]
    for url in urls:
        assert_warm(client, url)
    assert "Tomorrow" not in client.get("/").content.decode()

    later = scheduled.publish_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert client.get(f"/posts/{scheduled.slug}/").status_code == 200
    for url in urls:
        response = client.get(url)
        assert "Tomorrow" in response.content.decode(), url
        assert response.content == uncached(url).content, url


def test_a_post_moved_into_the_past_without_signals_shows(client, site, make_post):
    """QuerySet.update() sends no signal; a post it makes due (as the schedule sees it) still
    shows, because the newest visible publish time is part of the key."""
    scheduled = make_post(state="scheduled", title="Tomorrow's post")
    assert_warm(client, "/")
    Post.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert "Tomorrow" in client.get("/").content.decode()


def test_warm_conditional_request_is_a_304_after_one_query(client, site):
    """A revalidation with the ETag of a stored page is a 304 for the version query alone,
    with the headers of a fresh one; the ETag is the fresh render's."""
    fresh = uncached("/")
    client.get("/")
    response, queries = get(client, "/", HTTP_IF_NONE_MATCH=fresh["ETag"])
    assert (response.status_code, queries) == (304, 1)
    assert response["ETag"] == fresh["ETag"]
    assert response["Cache-Control"] == fresh["Cache-Control"]


def test_unrelated_edit_keeps_the_etag(client, site, make_post):
    """The ETag is the body's, not the version's: after an edit elsewhere a page whose body is
    unchanged still revalidates with a 304."""
    etag = client.get(f"/posts/{site.slug}/")["ETag"]
    make_post(state="draft", title="Unrelated draft")
    assert client.get(f"/posts/{site.slug}/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_head_and_get_share_an_entry_and_keep_their_headers(client, site):
    """A HEAD stores the page for a GET and the other way round; each gets the headers it
    would get uncached (ConditionalGetMiddleware gives GETs only an ETag)."""
    reference_get = uncached("/")
    caches["pages"].clear()
    reference_head = Client().head("/")
    caches["pages"].clear()

    client.head("/")
    response, queries = get(client, "/")
    assert queries == 1
    assert response.content == reference_get.content
    assert sorted(response.items()) == sorted(reference_get.items())
    with CaptureQueriesContext(connection) as ctx:
        head = client.head("/")
    assert len(ctx.captured_queries) == 1
    assert head.content == b""
    assert sorted(head.items()) == sorted(reference_head.items())


def test_a_404_is_stored_until_the_page_exists(client, site, make_post):
    """A missing page is a stored 404 (the site's own page) until a post takes its slug."""
    first = client.get("/posts/not-yet/")
    response, queries = get(client, "/posts/not-yet/")
    assert (first.status_code, response.status_code, queries) == (404, 404, 1)
    assert response.content == first.content
    assert "couldn\N{RIGHT SINGLE QUOTATION MARK}t find that page" in response.content.decode()
    make_post(slug="not-yet", title="Here now")
    assert "Here now" in client.get("/posts/not-yet/").content.decode()


def test_query_strings_are_kept_as_sent(client, make_post):
    """The same parameters in another order are another entry: the last of a repeated
    parameter wins, and API links keep the order they came in."""
    make_post(title="Food post", tags=["Food"])
    make_post(title="Travel post", tags=["Travel"])
    food_last = client.get("/api/v1/posts/?tag=travel&tag=food").json()["results"]
    travel_last = client.get("/api/v1/posts/?tag=food&tag=travel").json()["results"]
    assert [p["title"] for p in food_last] == ["Food post"]
    assert [p["title"] for p in travel_last] == ["Travel post"]


def test_search_is_not_stored(client, site):
    """Search answers are as many as readers' queries: each is run afresh."""
    client.get("/search/?q=harbour")
    _, queries = get(client, "/search/?q=harbour")
    assert queries > 1


def test_logging_in_keeps_the_pages(client, site, editor):
    """A login saves the user's last_login, which no page shows: stored pages stay."""
    client.get("/")
    login = Client().post("/admin/login/", {"username": "ed", "password": "correct horse battery"})
    assert login.status_code == 302
    _, queries = get(client, "/")
    assert queries == 1


def test_missing_version_row_is_made_again(client, site):
    """A database without the version row (flushed, restored) still serves pages, makes the
    row again, and edits still show."""
    SiteVersion.objects.all().delete()
    assert client.get("/").status_code == 200
    assert SiteVersion.objects.count() == 1
    assert_warm(client, "/")
    _retitle(site)
    assert "Harbour at dusk" in client.get("/").content.decode()


def test_a_bump_without_the_row_makes_it(client, site):
    """An edit while the row is missing makes it, and pages stored before do not come back."""
    assert_warm(client, "/")
    SiteVersion.objects.all().delete()
    _retitle(site)
    assert SiteVersion.objects.count() == 1
    assert "Harbour at dusk" in client.get("/").content.decode()


def test_off_while_debug_is_on(client, site, settings):
    """With DEBUG on (local development) every request renders, so template edits show."""
    settings.DEBUG = True
    client.get("/")
    _, queries = get(client, "/")
    assert queries > 1


def test_private_pages_are_never_stored(editor_client, make_post):
    """Preview (staff only) is not page-cached: a reader never gets an editor's preview."""
    draft = make_post(state="draft", title="Work in progress")
    assert "Work in progress" in editor_client.get(f"/preview/posts/{draft.pk}/").content.decode()
    reader = Client().get(f"/preview/posts/{draft.pk}/")
    assert reader.status_code == 302
    assert "Work in progress" not in reader.content.decode()


@pytest.fixture
def test_views(settings):
    from tests.blog import pagecache_urls

    settings.ROOT_URLCONF = "tests.blog.pagecache_urls"
    pagecache_urls.calls.clear()
    return pagecache_urls.calls


def test_an_answer_that_read_the_session_is_not_stored(editor_client, test_views):
    """A view that reads the user is never stored, even if wrapped by mistake: a reader never
    gets what an editor was shown."""
    assert editor_client.get("/t/greets/").content == b"hello ed"
    assert Client().get("/t/greets/").content == b"hello reader"
    assert len(test_views) == 2


def test_an_answer_with_a_cookie_is_not_stored(client, test_views):
    """A view that sets a cookie runs each time."""
    client.get("/t/cookie/")
    client.get("/t/cookie/")
    assert test_views == ["/t/cookie/", "/t/cookie/"]


def test_a_plain_answer_is_stored_and_a_post_is_not(client, test_views):
    """The same view's GET is stored, its POST always runs."""
    client.get("/t/plain/")
    client.get("/t/plain/")
    client.post("/t/plain/")
    assert test_views == ["/t/plain/", "/t/plain/"]


def test_key_parts_are_kept_apart(rf):
    """No path (an encoded newline decodes to one) can pass for another path and query."""
    from blog.pagecache import _cache_key

    one = rf.get("/authors/a%0Ab/", QUERY_STRING="c")
    other = rf.get("/authors/a", QUERY_STRING="b/\nc")
    assert one.path + "\n" + one.META["QUERY_STRING"] == other.path + "\n" + other.META["QUERY_STRING"]
    assert _cache_key("v", one, (1, None)) != _cache_key("v", other, (1, None))
