"""A content security policy from the app itself, so a page served any other way than through
CloudFront is protected too: the same policy as the edge stack's default, on pages, the admin,
errors and the API; and the admin's pages need nothing it forbids (no inline script)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.cfn import EDGE_TEMPLATE, load

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def directives(policy):
    return {
        name: set(values)
        for name, *values in (part.split() for part in policy.replace("\n", " ").split(";") if part.strip())
    }


def edge_policy():
    return directives(load(EDGE_TEMPLATE)["Parameters"]["ContentSecurityPolicy"]["Default"])


def test_the_apps_policy_is_the_edges(client, make_post):
    post = make_post()
    for url in (
        "/",
        post.get_absolute_url(),
        "/api/v1/posts/",
        "/feeds/rss.xml",
        "/no-such-page/",
        "/admin/login/",
    ):
        response = client.get(url)
        assert directives(response["Content-Security-Policy"]) == edge_policy(), url


def test_private_pages_carry_it_too(editor_client, make_post):
    post = make_post(state="draft")
    for url in ("/admin/", "/admin/blog/post/add/", post.get_preview_url()):
        response = editor_client.get(url)
        assert response.status_code == 200
        assert directives(response["Content-Security-Policy"]) == edge_policy(), url


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/blog/post/add/", "/admin/blog/photo/add/", "/admin/blog/tag/add/"]
)
def test_the_admin_has_no_inline_script(editor_client, url):
    """`script-src 'self'` blocks inline scripts and event handler attributes: the admin's
    pages (Django's own and ours) carry none, so the policy costs them nothing."""
    page = editor_client.get(url).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts, "the page has scripts"
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip(), attributes
    assert not re.search(r"\son[a-z]+\s*=", page), "no inline event handlers"


def test_the_media_and_static_hosts_are_allowed_when_they_are_others():
    """Renditions and static files from CloudFront's own domain beside a custom one."""
    code = "from django.conf import settings as s; d = s.CONTENT_SECURITY_POLICY['DIRECTIVES']; print(sorted(d['img-src']), sorted(d['script-src']))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "blog.settings",
            "MEDIA_DOMAIN": "d111.cloudfront.net",
            "STATIC_DOMAIN": "d222.cloudfront.net",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "https://d111.cloudfront.net" in result.stdout and "https://d222.cloudfront.net" in result.stdout
