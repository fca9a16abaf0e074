from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.http import require_safe

from blog import api, feeds, localmedia, upload_views, views
from blog.sitemaps import SITEMAPS

blog_patterns = [
    path("", views.home, name="home"),
    path("posts/<slug:slug>/", views.post_detail, name="post"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("authors/<str:username>/", views.author_detail, name="author"),
    path("search/", views.search, name="search"),
    path("preview/posts/<int:pk>/", views.preview, name="preview"),
    # Feeds and the sitemap take GET and HEAD only, like every page (Django's own views would
    # answer any method).
    path("feeds/rss.xml", require_safe(feeds.LatestPostsRss()), name="feed-rss"),
    path("feeds/atom.xml", require_safe(feeds.LatestPostsAtom()), name="feed-atom"),
    path(
        "feeds/tags/<slug:slug>/rss.xml",
        require_safe(feeds.TagPostsRss()),
        name="tag-feed-rss",
    ),
    path(
        "feeds/tags/<slug:slug>/atom.xml",
        require_safe(feeds.TagPostsAtom()),
        name="tag-feed-atom",
    ),
    path("sitemap.xml", require_safe(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("api/v1/posts/", api.post_list, name="api-posts"),
    path("api/v1/posts/<slug:slug>/", api.post_detail, name="api-post"),
    path("api/v1/tags/", api.tag_list, name="api-tags"),
    path("api/v1/openapi.json", api.openapi, name="api-openapi"),
    # S3's POST upload, played locally (no MEDIA_BUCKET); answers 404 in AWS.
    path("local-upload/", upload_views.local_upload, name="local-upload"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("welcome.urls")),
    path("", include((blog_patterns, "blog"))),
]
if not settings.MEDIA_BUCKET and settings.MEDIA_URL.startswith("/"):
    # Media on disk (the embedded defaults): renditions only, as CloudFront serves them from S3.
    urlpatterns.append(
        path(
            f"{settings.MEDIA_URL.lstrip('/')}renditions/<path:path>", localmedia.rendition, name="rendition"
        )
    )

handler404 = "blog.views.page_not_found"
handler500 = "blog.views.server_error"
