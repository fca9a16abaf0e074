"""Links that last, and changes that reach readers through CloudFront: a published post's old
slug redirects for good (cacheable), and renaming or deleting a tag, renaming an author, or
changing or replacing a cover invalidates every page that shows them. moto records the
invalidations."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tests.conftest import jpeg_bytes

# Real commits: invalidations are sent on commit.
pytestmark = pytest.mark.django_db(transaction=True)


def new_paths(distribution, before):
    return set().union(*(paths for key, paths in distribution().items() if key not in before))


def test_an_old_slug_redirects_permanently_and_cacheably(client, make_post):
    post = make_post(slug="first-name")
    post.slug = "second-name"
    post.save()
    response = client.get("/posts/first-name/")
    assert response.status_code == 301 and response["Location"] == "/posts/second-name/"
    assert "public" in response["Cache-Control"] and "s-maxage" in response["Cache-Control"]
    assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")
    # Renamed again: both old names go straight to the newest, without a chain.
    post.slug = "third-name"
    post.save()
    for old in ("first-name", "second-name"):
        assert client.get(f"/posts/{old}/")["Location"] == "/posts/third-name/"
    assert client.get("/posts/third-name/").status_code == 200


def test_old_slugs_follow_the_post_being_seen(client, make_post):
    """Only a published post's rename is kept; an unpublished post's old links are a 404, as
    is its page; a new post may take an old slug, and wins."""
    draft = make_post(state="draft", slug="draft-one")
    draft.slug = "draft-two"
    draft.save()
    assert client.get("/posts/draft-one/").status_code == 404

    post = make_post(slug="old-one")
    post.slug = "new-one"
    post.save()
    post.publish_at = None
    post.save()
    assert client.get("/posts/old-one/").status_code == 404

    live = make_post(slug="gone")
    live.slug = "here"
    live.save()
    make_post(slug="gone", title="A newer post")
    response = client.get("/posts/gone/")
    assert response.status_code == 200 and "A newer post" in response.content.decode()


def test_the_admin_lists_a_posts_old_urls(editor_client, make_post):
    post = make_post(slug="was")
    post.slug = "is"
    post.save()
    page = editor_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert "<code>/posts/was/</code>" in page


def test_renaming_a_slug_invalidates_the_old_and_new_urls_and_every_earlier_one(distribution, make_post):
    post = make_post(slug="a-one")
    post.slug = "a-two"
    post.save()
    before = distribution()
    post.slug = "a-three"
    post.save()
    assert {"/posts/a-one/", "/posts/a-two/", "/posts/a-three/"} <= new_paths(distribution, before)
    before = distribution()
    post.delete()
    assert {"/posts/a-one/", "/posts/a-two/", "/posts/a-three/"} <= new_paths(distribution, before)


def test_renaming_a_tag_invalidates_its_posts_and_both_tag_pages(distribution, make_post):
    from blog.models import Tag

    post = make_post(tags=["Travel"])
    make_post(state="draft", tags=["Travel"], slug="hidden-draft")
    before = distribution()
    tag = Tag.objects.get(slug="travel")
    tag.name, tag.slug = "Journeys", "journeys"
    tag.save()
    paths = new_paths(distribution, before)
    assert {f"/posts/{post.slug}/", "/tags/travel/*", "/tags/journeys/*", "/", "/feeds/*"} <= paths
    assert "/posts/hidden-draft/" not in paths


def test_deleting_a_tag_invalidates_the_pages_that_showed_it(distribution, make_post):
    from blog.models import Tag

    post = make_post(tags=["Food"])
    before = distribution()
    Tag.objects.get(slug="food").delete()
    assert {f"/posts/{post.slug}/", "/tags/food/*", "/api/v1/tags/*"} <= new_paths(distribution, before)


def test_renaming_an_author_invalidates_their_posts(distribution, make_author, make_post):
    ada = make_author("ada", "Ada")
    posts = [make_post(author=ada) for _ in range(2)]
    before = distribution()
    ada.profile.display_name = "Ada Lindqvist"
    ada.profile.save()
    paths = new_paths(distribution, before)
    assert {f"/posts/{p.slug}/" for p in posts} | {"/authors/ada/*", "/"} <= paths

    before = distribution()
    ada.username = "ada-l"
    ada.save()
    assert {"/authors/ada/*", "/authors/ada-l/*", f"/posts/{posts[0].slug}/"} <= new_paths(
        distribution, before
    )

    before = distribution()
    ada.last_login = ada.date_joined
    ada.save(update_fields=["last_login"])  # nothing readers see
    assert new_paths(distribution, before) == set()


def test_changing_or_replacing_a_cover_invalidates_the_pages_showing_it(distribution, make_post, make_photo):
    from blog.renditions import deliver_upload_locally

    photo, other = make_photo(), make_photo()
    post = make_post(cover=photo)
    in_body = make_post(body=f"![](photo:{photo.pk})")

    before = distribution()
    photo.caption = "A new caption"
    photo.save()
    assert {f"/posts/{post.slug}/", f"/posts/{in_body.slug}/", "/"} <= new_paths(distribution, before)

    before = distribution()
    photo.image.save("replaced.jpg", ContentFile(jpeg_bytes((80, 60))), save=True)
    deliver_upload_locally(photo)
    assert f"/posts/{post.slug}/" in new_paths(distribution, before)

    before = distribution()
    post.cover = other
    post.save()
    assert f"/posts/{post.slug}/" in new_paths(distribution, before)


def test_many_pages_become_one_wildcard(distribution, make_author, make_post):
    """An author with many posts is renamed: one `/posts/*`, not a path per post."""
    from blog.purge import MAX_PATHS_PER_PREFIX

    ada = make_author("ada", "Ada")
    for _ in range(MAX_PATHS_PER_PREFIX + 1):
        make_post(author=ada)
    before = distribution()
    ada.profile.display_name = "Ada L."
    ada.profile.save()
    paths = new_paths(distribution, before)
    assert "/posts/*" in paths and not any(p.startswith("/posts/") and p != "/posts/*" for p in paths)


def test_query_strings_the_site_does_not_read_change_nothing(make_post):
    """CloudFront keeps them out of the cache key (infra/edge.yaml): the page must be the same,
    and the API's links must not repeat them."""
    for n in range(25):
        make_post(title=f"Post {n}")
    client = Client()
    plain = client.get("/")
    tracked = client.get("/?utm_source=news&utm_medium=email&fbclid=abc")
    assert plain.content == tracked.content
    api = client.get("/api/v1/posts/?utm_source=news&q=Post").json()
    assert api["next"] and "utm_source" not in api["next"] and "q=Post" in api["next"]
