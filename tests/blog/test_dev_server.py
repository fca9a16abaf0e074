"""The development server (`make run`: runserver, DEBUG on, static files from the apps) answers
hostile requests with 4xx, never a 500: a static path that climbs out of the static folders,
and a query string of more parameters than Django parses. Driven through the exact WSGI
handler runserver serves."""

import io
import json
import sys

import pytest
from django.contrib.staticfiles.management.commands.runserver import Command

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev_server(settings):
    settings.DEBUG = True
    handler = Command().get_handler(use_static_handler=True, insecure_serving=False)

    def request(path, query=""):
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        status, headers = [], {}

        def start_response(line, response_headers, exc_info=None):
            status.append(int(line.split()[0]))
            headers.update(response_headers)

        body = b"".join(handler(environ, start_response))
        return status[0], headers, body

    return request


def test_a_static_path_out_of_the_static_folders_is_404(dev_server):
    assert dev_server("/static/blog/site.css")[0] == 200
    for path in ("/static/../settings.py", "/static/../../blog/settings.py", "/static/admin/../../urls.py"):
        assert dev_server(path)[0] == 404, path


@pytest.mark.parametrize("path", ["/", "/search/", "/api/v1/posts/"])
def test_over_a_thousand_query_parameters_is_a_400(dev_server, path):
    status, headers, body = dev_server(path, "&".join(f"p{n}=1" for n in range(1001)))
    assert status == 400
    if path.startswith("/api/"):
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body)["error"]["status"] == 400
