"""Feeds stay well-formed XML whatever characters editors paste: XML 1.0 forbids most C0
control characters and U+FFFE/U+FFFF, and one of them used to make a feed a 500 (Django
refuses to write it) or a document no feed reader can parse."""

import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model

from blog.models import AuthorProfile, Post, Tag

pytestmark = pytest.mark.django_db

INVALID = ["\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ufffe", "\uffff"]


def feeds_parse(client, tag_slug):
    """Every feed answers 200 with a document xml.etree parses; their text, joined."""
    texts = []
    for url in [
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        f"/feeds/tags/{tag_slug}/rss.xml",
        f"/feeds/tags/{tag_slug}/atom.xml",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        root = ET.fromstring(response.content)
        texts.append("".join(root.itertext()))
    return "\n".join(texts)


@pytest.mark.parametrize("char", INVALID)
def test_invalid_characters_are_stripped_when_saved(client, make_author, make_post, char):
    """Title, summary, body, tag name and display name are stored without the character; tab,
    newline and carriage return stay; the feeds carry the rest of the text."""
    author = make_author("pat", display_name=f"Pat{char} Doe")
    post = make_post(
        title=f"Bad{char} title",
        summary=f"Sum{char}mary",
        body=f"Body{char} text\twith tab\r\nand lines",
        author=author,
    )
    post.tags.add(Tag.objects.create(name=f"Food{char}", slug="food"))
    post.refresh_from_db()
    assert (post.title, post.summary) == ("Bad title", "Summary")
    assert post.body == "Body text\twith tab\r\nand lines"
    assert char not in post.body_html
    assert post.tags.get().name == "Food"
    assert AuthorProfile.objects.get(user=author).display_name == "Pat Doe"

    text = feeds_parse(client, post.tags.get().slug)
    assert "Bad title" in text and "Pat Doe" in text and "Body text" in text


def test_feeds_strip_what_got_in_another_way(client, make_post):
    """Text not written through the models' save (a raw update, a username) is stripped by
    the feeds themselves."""
    user = get_user_model().objects.create_user(username="nobody", password="x")
    post = make_post(author=user, tags=["ok"])
    user.first_name, user.last_name = "No\x07", "Body\ufffe"
    user.save()
    Post.objects.filter(pk=post.pk).update(title="Raw\x01 title", body_html="<p>Raw\x0b body\uffff</p>")
    Tag.objects.filter(slug="ok").update(name="O\x1fk")

    text = feeds_parse(client, "ok")
    assert "Raw title" in text and "Raw body" in text and "No Body" in text and "Ok" in text


def test_admin_add_form_stores_clean_text(editor_client, client, editor):
    """A post pasted into the admin with control characters is saved without them and its
    feeds stay valid."""
    tag = Tag.objects.create(name="Travel", slug="travel")
    response = editor_client.post(
        "/admin/blog/post/add/",
        {
            "title": "Pasted\x0b title\ufffe",
            "slug": "pasted",
            "author": editor.pk,
            "summary": "From a \x0cspreadsheet",
            "body": "Line\x01 one\n\nLine two\x1f",
            "tags": [tag.pk],
            "_publish": "Publish now",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get(slug="pasted")
    assert (post.title, post.summary, post.body) == (
        "Pasted title",
        "From a spreadsheet",
        "Line one\n\nLine two",
    )
    assert "Pasted title" in feeds_parse(client, "travel")


def test_tag_names_differing_only_by_a_control_character_are_one_tag(editor_client):
    """The admin checks uniqueness against the name as stored: a form error, not a 500."""
    Tag.objects.create(name="Food", slug="food")
    response = editor_client.post("/admin/blog/tag/add/", {"name": "Fo\x01od", "slug": "food-2"})
    assert response.status_code == 200
    assert "Tag with this Name already exists." in response.content.decode()
    assert Tag.objects.count() == 1
