from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = "Newsletter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The blog announces posts going live; the newsletter starts its send from there.
        from newsletter import receivers  # noqa: F401
