"""The reader site: server-rendered pages, cacheable by CloudFront, no JavaScript needed."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from blog.cards import html_cards
from blog.models import OldSlug, Post, Tag
from blog.search import clean_query
from blog.seo import post_meta


def listing(request, posts, **context):
    """A list page's context: one page of `posts` (a Post queryset) as stored cards."""
    page = paginate(request, posts.card_rows())
    return {"page": page, "cards": html_cards(page.object_list), **context}


def paginate(request, queryset, per_page=None):
    """One page of `queryset` from `?page=`; a page that does not exist is a 404."""
    paginator = Paginator(queryset, per_page or settings.POSTS_PER_PAGE)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("No such page.") from exc


@require_safe
def home(request):
    return render(request, "blog/home.html", listing(request, Post.objects.published().newest_first()))


def post_context(post, tags=None, **extra):
    """What blog/post_detail.html needs; `tags` for a post not saved yet (the editor's preview)."""
    tags = list(post.tags.all()) if tags is None else tags
    return {"post": post, "tags": tags, **post_meta(post, tags), **extra}


@require_safe
def post_detail(request, slug):
    post = Post.objects.published().for_listing().filter(slug=slug).first()
    if post is None:
        # A published post's old slug: its old links keep working, for good (cacheable).
        old = (
            OldSlug.objects.filter(slug=slug, post__in=Post.objects.published())
            .select_related("post")
            .first()
        )
        if old is None:
            raise Http404("No such post.")
        return HttpResponsePermanentRedirect(old.post.get_absolute_url())
    return render(request, "blog/post_detail.html", post_context(post))


@require_safe
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    posts = Post.objects.published().filter(tags=tag).newest_first()
    context = listing(request, posts, tag=tag)
    if not context["page"].paginator.count:  # a tag only drafts carry stays unseen
        raise Http404("No such tag.")
    return render(request, "blog/tag_detail.html", context)


@require_safe
def author_detail(request, username):
    if "\x00" in username:  # no username holds one, and PostgreSQL refuses it in a query
        raise Http404("No such author.")
    author = get_object_or_404(get_user_model().objects.select_related("profile"), username=username)
    posts = Post.objects.published().filter(author=author).newest_first()
    context = listing(request, posts, author=author)
    # Only people who have published something have a public page: staff accounts stay private.
    if not context["page"].paginator.count:
        raise Http404("No such author.")
    return render(request, "blog/author_detail.html", context)


@require_safe
def search(request):
    query = clean_query(request.GET.get("q", ""))
    context = {"query": query}
    if query:
        context = listing(request, Post.objects.published().search(query), **context)
    return render(request, "blog/search.html", context)


@never_cache
@staff_member_required
@permission_required("blog.change_post", raise_exception=True)
def preview(request, pk):
    """Any post, in any state, as readers would see it: for staff who may change posts (others
    get a 403), never cached, not indexed."""
    post = get_object_or_404(Post.objects.for_listing(), pk=pk)
    response = render(request, "blog/post_detail.html", post_context(post, preview=True))
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search/",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def page_not_found(request, exception=None):
    if request.path_info.startswith("/api/"):
        from blog.api import error_response

        return error_response(404, "not_found", "No such resource.")
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path_info.startswith("/api/"):
        from blog.api import error_response

        return error_response(500, "server_error", "Something went wrong on our side.")
    # No context processors: a 500 must render even when the database is what failed.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
