from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the receivers: CDN invalidation and stale cards (blog.signals).
        from blog import signals  # noqa: F401
