"""A post's body as readers get it: sanitised Markdown (blog.markdown) with its photos shown
as the same responsive <picture> the covers use.

Editors put a photo in the body as `![](photo:12)` (the admin's picker writes it; text in
the brackets replaces the photo's alt text, a quoted title its caption). The sanitiser keeps
that as `<img src="photo:12">`; here it becomes a <picture> of the renditions that exist, in a
<figure> with the photo's caption when it stands alone in its paragraph. A photo that does not
exist, or has no renditions yet, shows nothing (and a note in the editor's preview). Bodies
are rendered when saved, and again when a photo they show changes (blog.services).

Feeds (and any email) need absolute URLs: `absolute_html` rewrites the relative ones."""

import html as htmllib
import re
from urllib.parse import urljoin

from django.utils.html import format_html

from blog.templatetags.pictures import picture

# nh3 writes every attribute as name="value" with & and " escaped inside the value (a ">"
# may stay), and every "<" of text as &lt;: so these patterns find exactly the real tags.
_ATTRIBUTES = r'(?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*'
_ATTRIBUTE = re.compile(r'\s([^\s"\'>/=]+)(?:="([^"]*)")?')
_TAG = re.compile(r"<[a-zA-Z][a-zA-Z0-9-]*" + _ATTRIBUTES + r"\s*/?>")
_PHOTO_IMG = re.compile(r"<img" + _ATTRIBUTES + r"\s*/?>")  # any <img>: _photo_pk decides
_ALONE_IN_PARAGRAPH = re.compile(r"<p>\s*(" + _PHOTO_IMG.pattern + r")\s*</p>")
_URL_ATTRIBUTES = frozenset({"href", "src", "srcset"})
# In px, as for covers (blog.templatetags.pictures): the text column is 720 px at most.
BODY_SIZES = "(max-width: 756px) calc(100vw - 36px), 720px"


def _attributes(tag):
    return {name: htmllib.unescape(value or "") for name, value in _ATTRIBUTE.findall(tag)}


def _photo_pk(img):
    src = _attributes(img).get("src", "")
    pk = src.removeprefix("photo:")
    return int(pk) if src.startswith("photo:") and pk.isdigit() else None


def photo_ids(html):
    """The ids of the photos a sanitised body refers to."""
    return {pk for img in _PHOTO_IMG.findall(html) if (pk := _photo_pk(img)) is not None}


def render_body(text, find_photos, *, notes=False):
    """(HTML, ids of the existing photos it shows) for the Markdown `text`; `find_photos(ids)`
    gives {id: photo} of those that exist (Photo.objects.in_bulk: this module knows no model).
    With `notes` (the editor's preview), a photo that cannot be shown yet leaves a visible
    note."""
    # markdown-it, nh3 and Pygments load on the first render, not on every cold start.
    from blog.markdown import render_markdown

    html = render_markdown(text)
    wanted = photo_ids(html)
    photos = find_photos(wanted) if wanted else {}
    return expand_photos(html, photos, notes=notes), set(photos)


def expand_photos(html, photos, *, notes=False):
    """Replace each `<img src="photo:N">` with photo N's picture (see the module's doc)."""

    def figure(match):
        return _picture(match.group(1), photos, notes, figure=True)

    def inline(match):
        return _picture(match.group(0), photos, notes, figure=False)

    html = _ALONE_IN_PARAGRAPH.sub(lambda m: figure(m) if _photo_pk(m.group(1)) else m.group(0), html)
    return _PHOTO_IMG.sub(lambda m: inline(m) if _photo_pk(m.group(0)) else m.group(0), html)


def _picture(img, photos, notes, figure):
    attributes = _attributes(img)
    pk = _photo_pk(img)
    photo = photos.get(pk)
    shown = picture(photo, sizes=BODY_SIZES, alt=attributes.get("alt") or None) if photo else ""
    if not shown:
        if not notes:
            return ""
        why = "is still being processed" if photo and not photo.failed else "cannot be shown"
        if photo is None:
            why = "does not exist"
        note = format_html('<span class="photo-note" role="note">Photo {} {}.</span>', pk, why)
        return format_html("<p>{}</p>", note) if figure else note
    if not figure:
        return shown
    caption = attributes.get("title") or photo.caption
    return format_html(
        '<figure class="photo">{}{}</figure>',
        shown,
        format_html("<figcaption>{}</figcaption>", caption) if caption else "",
    )


def absolute_html(html, base):
    """`html` with every relative href, src and srcset URL made absolute against `base` (a
    post's own URL): feed readers and mail clients resolve against nothing of ours."""

    def absolute(match):
        name, value = match.group(1), htmllib.unescape(match.group(2) or "")
        if name not in _URL_ATTRIBUTES:
            return match.group(0)
        if name == "srcset":
            candidates = (candidate.strip().split(None, 1) for candidate in value.split(","))
            value = ", ".join(
                " ".join([urljoin(base, parts[0]), *parts[1:]]) for parts in candidates if parts
            )
        else:
            value = urljoin(base, value)
        return f' {name}="{htmllib.escape(value, quote=True)}"'

    return _TAG.sub(lambda tag: _ATTRIBUTE.sub(absolute, tag.group(0)), html)
