"""Views that must not be stored by the page cache, wrapped in it anyway, beside the site."""

from django.http import HttpResponse
from django.urls import path

from blog.pagecache import cached_public_page
from blog.urls import handler404, handler500  # noqa: F401
from blog.urls import urlpatterns as blog_urlpatterns

calls = []


@cached_public_page
def greets_the_user(request):
    calls.append(request.path)
    return HttpResponse(f"hello {request.user.username or 'reader'}")


@cached_public_page
def sets_a_cookie(request):
    calls.append(request.path)
    response = HttpResponse("a cookie")
    response.set_cookie("seen", "1")
    return response


@cached_public_page
def plain(request):
    calls.append(request.path)
    return HttpResponse("plain")


urlpatterns = [
    path("t/greets/", greets_the_user),
    path("t/cookie/", sets_a_cookie),
    path("t/plain/", plain),
    *blog_urlpatterns,
]
