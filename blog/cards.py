"""A post's card: the <li> the list pages (home, tag, author, search) show for it, the item
the API's post list gives for it and the item the feeds give for it, rendered once and stored
with the post (`Post.card_html`, `Post.card_json`, `Post.card_feed`), so a list or a feed prints
twenty stored strings instead of building a hundred model instances and rendering twenty cards
(or rewriting twenty bodies' URLs).

A stored card is used only while its `card_stamp` equals `current_stamp()`: a digest of the card
template, the code that shapes a card, and the settings it depends on (time zone, site and
media URLs, script prefix). A deploy that changes any of them makes every card stale at once,
with no migration. Anything else a card shows lives in the database: the post's own fields,
its tags, its author's names, its cover's renditions, alt text and caption. A change to any of
them marks the cards that show it stale (`mark_stale`), in the writer's transaction: Post.save
for the post's own fields, the services and receivers (blog.services, blog.signals) for the
rest. Writes that send no signals (`QuerySet.update()`, raw SQL) must call `mark_stale`
themselves, as they must purge the CDN.

Stale cards are rendered again when a list meets them (`fresh_cards`), and stored with one
conditional UPDATE: only where the stamp is still the one that was read, so a card rendered
from data an editor changed meanwhile (whose save marked it stale again with a new random
stamp) is never stored as fresh.
"""

import functools
import hashlib
import json
from functools import reduce
from operator import or_
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Case, Q, Value, When
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe

from blog.apidata import absolute, post_summary
from blog.bodies import absolute_html
from blog.models import CARD_FIELDS, Post, stale_card_stamp
from blog.seo import absolute_media_url

CARD_TEMPLATE = "blog/_card.html"
# Cards are rendered lazy-loading; the first card of a page loads its cover at once, as the
# reader sees it without scrolling. Values print escaped (`"` as &quot;): these attributes can
# only be the picture tag's own.
LAZY = ' loading="lazy" decoding="async"'
EAGER = ' fetchpriority="high"'
# The code that shapes a card besides its template: a deploy changing one re-renders cards.
_CARD_CODE = (
    "blog/apidata.py",
    "blog/bodies.py",
    "blog/cards.py",
    "blog/models.py",
    "blog/seo.py",
    "blog/templatetags/pictures.py",
    "blog/urlpaths.py",
    "thumbnails/naming.py",
)
FIELDS = CARD_FIELDS
_ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _code_digest():
    """The card code's digest: its files are read once per process, on the first list."""
    digest = hashlib.blake2b(digest_size=16)
    for name in _CARD_CODE:
        path = _ROOT / name
        digest.update(path.read_bytes() if path.exists() else name.encode())
    return digest.hexdigest()


@functools.cache
def _stamp(*key):
    return hashlib.blake2b(repr(key).encode(), digest_size=8).hexdigest()


def current_stamp():
    """The stamp a fresh card carries, for this process's code and this request's settings."""
    return _stamp(
        _code_digest(),
        get_template(CARD_TEMPLATE).template.source,
        settings.TIME_ZONE,
        settings.SITE_URL,
        get_script_prefix(),
        default_storage.url("renditions/probe"),
    )


def render_card(post):
    """The card of `post` (loaded with `Post.objects.for_listing()`), lazy-loading its cover."""
    return get_template(CARD_TEMPLATE).render({"post": post})


def render_item(post):
    """The API list's item for `post`, as JSON text (JsonResponse's encoder and spacing)."""
    return json.dumps(post_summary(post), cls=DjangoJSONEncoder)


def render_feed_item(post):
    """What the feeds (blog.feeds) say of `post`, as JSON text: dates as ISO 8601 with the
    database's precision (Atom prints the microseconds), the body with every URL absolute
    (feed readers resolve relative ones against nothing of ours), the cover as its widest JPEG
    rendition, never the original upload."""
    link = absolute(post.get_absolute_url())
    largest = post.cover.largest("jpeg") if post.cover else None
    item = {
        "title": post.title,
        "link": link,
        "description": absolute_html(post.body_html, link),
        "author_name": post.author_name,
        "pubdate": post.publish_at.isoformat(),
        "updateddate": post.updated_at.isoformat(),
        "categories": [tag.name for tag in post.tags.all()],
        "enclosure": absolute_media_url(largest[2]) if largest else None,
    }
    return json.dumps(item)


def mark_stale(posts):
    """Mark the cards of `posts` (a Post queryset) stale: the next list renders them."""
    return posts.update(card_stamp=stale_card_stamp())


def fresh_cards(rows, field):
    """The `field` (one of FIELDS) of `rows`, (pk, value, card_stamp) as
    `PostQuerySet.card_rows(field)` gives them, in order. Stale ones are rendered, every kind
    (three queries, however many) and stored (one more)."""
    rows = list(rows)
    stamp = current_stamp()
    stale = {pk: seen for pk, _, seen in rows if seen != stamp}
    rendered = {}
    if stale:
        posts = Post.objects.for_listing().in_bulk(list(stale))
        rendered = {
            pk: {"card_html": render_card(p), "card_json": render_item(p), "card_feed": render_feed_item(p)}
            for pk, p in posts.items()
        }
        _store(rendered, stale, stamp)
    return [rendered[pk][field] if pk in rendered else value for pk, value, _ in rows]


def html_cards(rows):
    """The list page's cards of `rows` as safe strings, the first one eager."""
    cards = fresh_cards(rows, "card_html")
    if cards:
        cards[0] = cards[0].replace(LAZY, EAGER, 1)
    return [mark_safe(card) for card in cards]  # noqa: S308 (rendered by the autoescaping template)


def _store(rendered, seen, stamp):
    if not rendered:
        return
    unchanged = reduce(or_, (Q(pk=pk, card_stamp=seen[pk]) for pk in rendered))
    values = {
        field: Case(*(When(pk=pk, then=Value(cards[field])) for pk, cards in rendered.items()))
        for field in FIELDS
    }
    Post.objects.filter(unchanged).update(**values, card_stamp=Value(stamp))
