"""A urlconf whose home view raises, to see the 500 page readers get."""

from django.urls import path

from blog.urls import handler404, handler500  # noqa: F401
from blog.urls import urlpatterns as blog_urlpatterns


def crash(request):
    raise RuntimeError("kaboom")


urlpatterns = [path("", crash), *blog_urlpatterns]
