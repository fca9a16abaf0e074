"""`{% picture photo sizes=... lazy=... %}`: a responsive <picture> from a photo's renditions.

WebP first, JPEG as the fallback and the <img>, every width in `srcset` so the browser picks
what the layout needs; `width`/`height` from the widest rendition (no layout shift). Only
renditions that exist are used: a photo still pending, or rejected, prints nothing."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# In px, not rem: `sizes` counts a rem as 16 px whatever the page's root font size, and
# site.css sets 18 px. The column is 42rem = 756 px wide with 18 px of padding each side.
LIST_SIZES = "(max-width: 756px) calc(100vw - 36px), 720px"


def _srcset(renditions):
    return ", ".join(f"{url} {width}w" for width, _, url in renditions)


@register.simple_tag
def picture(photo, sizes=LIST_SIZES, lazy=True, css_class="", alt=None):
    """`alt` replaces the photo's own alt text (a post body may say what the photo shows there)."""
    if photo is None or not photo.ready:
        return ""
    jpeg = photo.rendition_set("jpeg")
    if not jpeg:
        return ""
    width, height, _ = jpeg[-1]
    # The <img> src is a middle width: what a browser without srcset support gets.
    src = jpeg[min(1, len(jpeg) - 1)][2]
    modern = ((fmt, photo.rendition_set(fmt)) for fmt in ("avif", "webp"))
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        ((f"image/{fmt}", _srcset(found), sizes) for fmt, found in modern if found),
    )
    loading = mark_safe(' loading="lazy" decoding="async"') if lazy else mark_safe(' fetchpriority="high"')
    return format_html(
        '<picture{}>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"{}></picture>',
        format_html(' class="{}"', css_class) if css_class else "",
        sources,
        src,
        _srcset(jpeg),
        sizes,
        width,
        height,
        photo.alt_text if alt is None else alt,
        loading,
    )
