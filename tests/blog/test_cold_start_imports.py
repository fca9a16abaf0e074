"""The HTTP cold start stays light: Django's start-up (URLs, admin, feeds) does not import the
Markdown renderer, the sanitiser or Pygments; they load when a post is first rendered. Nor
Pillow: the admin imports the thumbnails' rendering, which loads it with the first photo."""

import subprocess
import sys


def test_django_start_up_leaves_the_renderer_and_pillow_unloaded():
    code = (
        "import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'blog.settings'); "
        "django.setup(); from django.urls import resolve; resolve('/'); import blog.admin, blog.feeds; "
        "print(sorted(m for m in ('markdown_it', 'nh3', 'pygments', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
