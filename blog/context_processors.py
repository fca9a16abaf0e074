from django.conf import settings


def site(request):
    """Site identity for every template; read per request, so settings overrides apply."""
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "site_description": settings.SITE_DESCRIPTION,
    }
