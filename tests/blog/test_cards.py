"""Each post's card is stored with it (blog.cards) and list pages print the stored HTML: every
change a card shows (its post, cover, tags, author's name, a tag's name, the card template or
the settings it is rendered with) shows on the next list page, escaped as a fresh render, and a
card rendered from data an editor changed meanwhile is never stored as fresh."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.models import AuthorProfile, Photo, Post, Tag

pytestmark = pytest.mark.django_db

LISTS = ["/", "/tags/travel/", "/authors/ada/", "/search/?q=harbour"]


@pytest.fixture
def post(make_author, make_post, make_photo):
    ada = make_author("ada", "Ada Lindqvist")
    cover = make_photo("A red door")
    return make_post(title="Harbour at dawn", author=ada, tags=["Travel"], cover=cover)


def shown(client, url="/"):
    """The list page's HTML, after checking its cards were stored (a second request renders none)."""
    html = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url).content.decode()
    assert not any(q["sql"].startswith("UPDATE") for q in ctx.captured_queries), url
    assert again == html, url
    return html


def card_of(html, title):
    cards = re.findall(r'<article class="post-card">.*?</article>', html, re.S)
    found = [card for card in cards if title in card]
    assert len(found) == 1, (title, cards)
    return found[0]


def test_cards_are_stored_and_read_back(client, post):
    """The first list page renders and stores the card; the next ones print it as stored."""
    assert Post.objects.get(pk=post.pk).card_html == ""
    for url in LISTS:
        assert "Harbour at dawn" in shown(client, url), url
    stored = Post.objects.get(pk=post.pk).card_html
    assert "Harbour at dawn" in stored and "Ada Lindqvist" in stored


def admin_change(editor_client, post, **changes):
    data = {
        "title": post.title,
        "slug": post.slug,
        "author": post.author_id,
        "summary": post.summary,
        "body": post.body,
        "cover": post.cover_id or "",
        "tags": [tag.pk for tag in post.tags.all()],
        "email_subscribers": "",
        **changes,
    }
    response = editor_client.post(f"/admin/blog/post/{post.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]


def test_a_post_edited_in_the_admin_shows_on_every_list(client, editor_client, post):
    for url in LISTS:
        shown(client, url)
    admin_change(editor_client, post, title="Harbour at dusk", summary="New summary")
    for url in ["/", "/tags/travel/", "/authors/ada/"]:
        card = card_of(shown(client, url), "Harbour at dusk")
        assert "New summary" in card, url


def test_cover_renditions_appearing_show(client, make_author, make_post, make_photo):
    """A cover still pending prints no picture; once its renditions are made, the card has them."""
    from blog.renditions import deliver_upload_locally

    photo = make_photo("A blue boat", renditions=False)
    make_post(title="Boats", author=make_author("ada"), cover=photo)
    assert "<picture" not in card_of(shown(client), "Boats")

    deliver_upload_locally(Photo.objects.get(pk=photo.pk))

    card = card_of(shown(client), "Boats")
    assert "<picture" in card and 'alt="A blue boat"' in card and "image/webp" in card


def test_cover_alt_text_edited_in_the_admin_shows(client, editor_client, post):
    shown(client)
    photo = Photo.objects.get(pk=post.cover_id)
    photo.alt_text = 'A "blue" door <b>'
    photo.save()
    card = card_of(shown(client), "Harbour at dawn")
    assert 'alt="A &quot;blue&quot; door &lt;b&gt;"' in card


def test_tags_changed_every_way_show(client, post):
    """Added and removed from the post's side and the tag's side, and cleared (the admin's
    save_m2m does these)."""
    shown(client)
    coast = Tag.objects.create(name="Coast", slug="coast")
    post.tags.add(coast)
    assert 'href="/tags/coast/">Coast<' in card_of(shown(client), "Harbour")
    post.tags.remove(coast)
    assert "Coast" not in card_of(shown(client), "Harbour")
    coast.posts.add(post)
    assert "Coast" in card_of(shown(client), "Harbour")
    coast.posts.clear()
    assert "Coast" not in card_of(shown(client), "Harbour")
    post.tags.clear()
    assert 'class="tags"' not in card_of(shown(client), "Harbour")


def test_tags_changed_in_the_admin_show(client, editor_client, post):
    coast = Tag.objects.create(name="Coast", slug="coast")
    shown(client)
    admin_change(editor_client, post, tags=[coast.pk])
    card = card_of(shown(client), "Harbour at dawn")
    assert "Coast" in card and "Travel" not in card


def test_a_tag_renamed_in_the_admin_shows(client, editor_client, post):
    shown(client, "/authors/ada/")
    tag = Tag.objects.get(slug="travel")
    response = editor_client.post(
        f"/admin/blog/tag/{tag.pk}/change/", {"name": "Journeys", "slug": "journeys"}
    )
    assert response.status_code == 302
    card = card_of(shown(client, "/authors/ada/"), "Harbour")
    assert 'href="/tags/journeys/">Journeys<' in card and "travel" not in card.lower()


def test_a_deleted_tag_leaves_the_cards(client, post):
    shown(client)
    Tag.objects.get(slug="travel").delete()
    assert "Travel" not in card_of(shown(client), "Harbour")


def test_author_display_name_changed_in_the_admin_shows(client, editor_client, post):
    shown(client, "/tags/travel/")
    profile = AuthorProfile.objects.get(user=post.author)
    response = editor_client.post(
        f"/admin/blog/authorprofile/{profile.pk}/change/",
        {"user": post.author_id, "display_name": "Ada L. <3", "bio": profile.bio},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ">Ada L. &lt;3</a>" in card_of(shown(client, "/tags/travel/"), "Harbour")


def test_an_author_without_a_profile_is_named_and_renamed(client, make_post):
    user = get_user_model().objects.create_user(username="bo", first_name="Bo", last_name="Berg")
    make_post(author=user, title="By Bo")
    assert "Bo Berg" in card_of(shown(client), "By Bo")
    user.last_name = "Brink"
    user.save()
    assert "Bo Brink" in card_of(shown(client), "By Bo")
    AuthorProfile.objects.create(user=user, display_name="B. Brink")
    assert "B. Brink" in card_of(shown(client), "By Bo")
    AuthorProfile.objects.filter(user=user).delete()
    assert "Bo Brink" in card_of(shown(client), "By Bo")


def test_a_renamed_username_moves_the_author_link(client, post):
    shown(client)
    user = post.author
    user.username = "ada2"
    user.save()
    assert 'href="/authors/ada2/"' in card_of(shown(client), "Harbour")


def test_a_new_card_template_rerenders_cards_lazily(client, post, settings, tmp_path):
    """A deploy with another card template: stored cards are stale and rendered again on the
    next list page, without a migration or a save."""
    shown(client)
    (tmp_path / "blog").mkdir()
    (tmp_path / "blog" / "_card.html").write_text('<li class="new-card">{{ post.title }}</li>\n')
    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["DIRS"] = [tmp_path]
    settings.TEMPLATES = templates
    html = shown(client)
    assert '<li class="new-card">Harbour at dawn</li>' in html
    assert Post.objects.get(pk=post.pk).card_html.startswith('<li class="new-card">')


def test_another_time_zone_rerenders_cards(client, make_post):
    """Dates print in the site's zone: a card stored for another zone is rendered again."""
    from datetime import UTC, datetime

    make_post(title="Late", publish_at=datetime(2025, 3, 1, 23, 30, tzinfo=UTC))
    assert "1 March 2025" in card_of(shown(client), "Late")
    from django.test import override_settings

    with override_settings(TIME_ZONE="Asia/Tokyo"):
        assert "2 March 2025" in card_of(shown(client), "Late")


def test_cards_are_escaped_as_a_fresh_render(client, make_author, make_post):
    post = make_post(
        title="<script>alert(1)</script>",
        summary='"quoted" & <i>',
        author=make_author("eve", "Eve <img src=x>"),
    )
    post.tags.add(Tag.objects.create(name="<b>bold</b>", slug="bold"))
    html = shown(client)
    assert "<script>alert" not in html and "<img src=x>" not in html and "<b>bold" not in html
    card = card_of(html, "&lt;script&gt;alert(1)&lt;/script&gt;")
    assert "&quot;quoted&quot; &amp; &lt;i&gt;" in card
    assert "Eve &lt;img src=x&gt;" in card
    assert "&lt;b&gt;bold&lt;/b&gt;" in card


def test_only_the_first_card_is_eager(client, make_post, make_photo):
    for i in range(3):
        make_post(title=f"Card {i}", cover=make_photo())
    html = shown(client)
    assert html.count('fetchpriority="high"') == 1
    assert html.count('loading="lazy"') == 2
    assert 'fetchpriority="high"' in card_of(html, "Card 0")  # the newest, first


def test_a_card_rendered_from_data_changed_meanwhile_is_not_stored(client, post, monkeypatch):
    """An editor's save lands while a reader's request renders the card from what it read
    before: that request's card is not stored, and the next one shows the edit."""
    from blog import cards

    render = cards.render_card

    def render_while_an_editor_saves(card_post):
        html = render(card_post)  # from the data read before the save
        Post.objects.filter(pk=card_post.pk).update(title="Edited meanwhile")
        cards.mark_stale(Post.objects.filter(pk=card_post.pk))  # as a save does
        return html

    monkeypatch.setattr(cards, "render_card", render_while_an_editor_saves)
    assert "Harbour at dawn" in client.get("/").content.decode()
    monkeypatch.setattr(cards, "render_card", render)
    assert "Edited meanwhile" in card_of(shown(client), "Edited meanwhile")


def test_an_unchanged_page_revalidates_with_a_304_and_an_edit_changes_its_etag(client, post):
    etag = client.get("/")["ETag"]
    again = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    Tag.objects.filter(slug="travel").get().save()  # a save that changes nothing shown
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    profile = AuthorProfile.objects.get(user=post.author)
    profile.display_name = "Ada L."
    profile.save()
    changed = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Ada L." in changed.content.decode()


def api_items_match_details(client, url="/api/v1/posts/"):
    """The API list's stored items equal what the detail view serialises afresh, and the body is
    the JSON JsonResponse writes."""
    import json

    body = client.get(url).content.decode()
    assert json.dumps(json.loads(body)) == body
    results = json.loads(body)["results"]
    for item in results:
        detail = client.get(f"/api/v1/posts/{item['slug']}/").json()
        del detail["body_html"]
        assert item == detail, item["slug"]
    return results


def test_the_api_list_shows_every_change_as_the_detail_does(client, editor_client, post, make_post):
    from blog.renditions import deliver_upload_locally

    make_post(title="Another", author=post.author, tags=["Travel", "Food"])
    api_items_match_details(client)
    admin_change(editor_client, post, title="Harbour at dusk")
    tag = Tag.objects.get(slug="travel")
    tag.name = "Journeys"
    tag.save()
    profile = AuthorProfile.objects.get(user=post.author)
    profile.display_name = "Ada L."
    profile.save()
    photo = Photo.objects.get(pk=post.cover_id)
    photo.caption = "A new caption"
    photo.save()
    results = api_items_match_details(client)
    first = next(item for item in results if item["slug"] == post.slug)
    assert first["title"] == "Harbour at dusk" and first["author"]["name"] == "Ada L."
    assert first["tags"][0]["name"] == "Journeys" and first["cover"]["caption"] == "A new caption"
    api_items_match_details(client, "/api/v1/posts/?tag=food&page=1")

    photo.image.save("another.jpg", photo.image.file, save=False)  # a new file: pending again
    photo.save()
    pending = next(item for item in api_items_match_details(client) if item["slug"] == post.slug)
    assert pending["cover"] is None
    deliver_upload_locally(Photo.objects.get(pk=photo.pk))
    ready = next(item for item in api_items_match_details(client) if item["slug"] == post.slug)
    assert "another" in ready["cover"]["url"]


def test_another_site_url_rerenders_the_api_items(client, post, settings):
    api_items_match_details(client)
    settings.SITE_URL = "https://notes.example.org"
    item = api_items_match_details(client)[0]
    assert item["url"].startswith("https://notes.example.org/posts/")
