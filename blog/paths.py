"""Which public paths show a post, so that a change reaches readers through CloudFront
(blog.purge sends them).

A post's page shows its title, body, cover, author's name and tags; the lists, feeds, sitemap
and API show most of that too (`post_paths`). So renaming a tag or an author, or changing a
photo, changes every page of every published post that carries it."""

from django.urls import reverse


def post_paths(slug, username, tag_slugs, old_slugs=()):
    """Every public path that shows a post: its page, the lists it appears in, the feeds,
    the sitemap and the API, and its old slugs' redirects. A trailing `*` also covers query
    strings and pages."""
    paths = {
        reverse("blog:post", kwargs={"slug": slug}),
        *(reverse("blog:post", kwargs={"slug": old}) for old in old_slugs),
        reverse("blog:home"),
        "/?*",
        reverse("blog:author", kwargs={"username": username}) + "*",
        "/feeds/*",
        reverse("blog:sitemap"),
        reverse("blog:api-posts") + "*",
        reverse("blog:api-tags") + "*",
    }
    for tag in tag_slugs:
        paths.add(reverse("blog:tag", kwargs={"slug": tag}) + "*")
    return paths


def visible_state(post):
    """What readers see of a post, as `post_paths`' arguments, or None if they see nothing."""
    if not post.is_published:
        return None
    tags = [tag.slug for tag in post.tags.all()] if post.pk else []
    old = list(post.old_slugs.values_list("slug", flat=True)) if post.pk else []
    return post.slug, post.author.username, tags, old


def paths_of_posts(posts, *, extra_tags=(), old_username=None):
    """Every path showing any of the *published* `posts` (a queryset), also covering the tag
    slugs `extra_tags` and the author page of `old_username` (what a rename left behind)."""
    paths = set()
    found = (
        posts.published()
        .select_related("author")
        .prefetch_related("tags", "old_slugs")
        .only("slug", "publish_at", "author__username")
    )
    for post in found:
        tags = {tag.slug for tag in post.tags.all()} | set(extra_tags)
        old = [old.slug for old in post.old_slugs.all()]
        paths |= post_paths(post.slug, post.author.username, tags, old)
        if old_username and old_username != post.author.username:
            paths |= post_paths(post.slug, old_username, tags, old)
    return paths
