from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the receivers: CDN invalidation, the content version, the page cache's.
        from blog import pagecache, signals, versioning  # noqa: F401
