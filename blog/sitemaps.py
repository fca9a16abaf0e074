"""The sitemap, built from the same querysets as the pages, with SITE_URL's host."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from blog.models import Post, Tag


class SiteSitemap(Sitemap):
    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme


class PostSitemap(SiteSitemap):
    changefreq = "monthly"

    def items(self):
        return Post.objects.published().newest_first().only("slug", "updated_at")

    def lastmod(self, post):
        return post.updated_at


class HomeSitemap(SiteSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["blog:home"]

    def location(self, name):
        return reverse(name)


class TagSitemap(SiteSitemap):
    changefreq = "weekly"

    def items(self):
        return Tag.objects.in_use().order_by("slug").only("slug")


class AuthorSitemap(SiteSitemap):
    changefreq = "weekly"

    def items(self):
        published = Post.objects.published()
        return (
            get_user_model()
            .objects.filter(posts__in=published)
            .annotate(last=Max("posts__updated_at"))
            .order_by("username")
            .only("username")
        )

    def location(self, user):
        return reverse("blog:author", kwargs={"username": user.username})


SITEMAPS = {"home": HomeSitemap, "posts": PostSitemap, "tags": TagSitemap, "authors": AuthorSitemap}
