"""Publish reaches readers at once: one CloudFront invalidation, after commit, covering every
path that shows the post. moto records the invalidations."""

from datetime import timedelta

import pytest
from django.utils import timezone

# Real commits: invalidations are sent on commit. The flush afterwards also removes what data
# migrations made (the Editors group): it is made again on demand.
pytestmark = pytest.mark.django_db(transaction=True)


def test_publishing_in_the_admin_invalidates_every_path_once(
    distribution, editor_client, make_post, make_author
):
    """Publishing a draft makes one invalidation with the post, home, tag, author, feeds,
    sitemap and API paths."""
    post = make_post(state="draft", tags=["Travel", "Food"], author=make_author("ada"))
    assert distribution() == {}

    editor_client.post("/admin/blog/post/", {"action": "publish_now", "_selected_action": [post.pk]})

    (paths,) = distribution().values()
    assert paths >= {
        f"/posts/{post.slug}/",
        "/",
        "/tags/travel/*",
        "/tags/food/*",
        "/authors/ada/*",
        "/feeds/*",
        "/sitemap.xml",
        "/api/v1/posts/*",
        "/api/v1/tags/*",
    }


def test_editing_a_live_post_invalidates_old_and_new_paths(distribution, make_post):
    """Changing a live post's slug and tags invalidates where it was and where it is now."""
    post = make_post(tags=["Travel"])
    before = distribution()
    old_slug = post.slug
    post.slug = "renamed"
    post.save()
    post.tags.set([])
    covered = set().union(*(paths for key, paths in distribution().items() if key not in before))
    assert {f"/posts/{old_slug}/", "/posts/renamed/", "/tags/travel/*"} <= covered


def test_unpublishing_invalidates(distribution, make_post):
    """Taking a live post back to draft removes it from readers' caches."""
    post = make_post()
    before = distribution()
    post.publish_at = None
    post.save()
    new = [paths for key, paths in distribution().items() if key not in before]
    assert len(new) == 1
    assert f"/posts/{post.slug}/" in new[0]


def test_drafts_and_scheduled_posts_invalidate_nothing(distribution, make_post):
    """Saving something readers cannot see costs no invalidation."""
    make_post(state="draft")
    make_post(state="scheduled")
    assert distribution() == {}


def test_scheduled_post_is_invalidated_once_when_due(distribution, make_post):
    """The schedule announces a post when its time comes, once, however often it runs."""
    from blog.tasks import publish_due_posts

    post = make_post(state="scheduled")
    assert publish_due_posts() == {"announced": []}

    from blog.models import Post

    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert publish_due_posts() == {"announced": [post.slug]}
    assert publish_due_posts() == {"announced": []}
    (paths,) = distribution().values()
    assert f"/posts/{post.slug}/" in paths


@pytest.mark.parametrize("configured", [True, False], ids=["distribution", "none"])
def test_cloudfront_is_called_only_when_a_distribution_is_configured(
    distribution, settings, make_post, monkeypatch, configured
):
    """Locally (no distribution configured) publishing works and makes no AWS call at all.
    Every call any boto3 client makes is recorded, so a call is seen even where the code
    catches its failure; with a distribution the same publish is seen making one."""
    from botocore.client import BaseClient

    calls = []
    make_api_call = BaseClient._make_api_call

    def recording(client, operation, params):
        calls.append((client.meta.service_model.service_name, operation))
        return make_api_call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    existing = settings.CLOUDFRONT_DISTRIBUTION_ID
    if not configured:
        settings.CLOUDFRONT_DISTRIBUTION_ID = ""

    post = make_post()

    assert post.is_published
    assert calls == ([("cloudfront", "CreateInvalidation")] if configured else [])
    settings.CLOUDFRONT_DISTRIBUTION_ID = existing
    assert len(distribution()) == (1 if configured else 0)


class Recording:
    """A purge backend a deployment could name in `PURGE` (a test records what it is sent)."""

    sent = []

    def __init__(self, label):
        self.label = label

    def purge(self, paths):
        Recording.sent.append((self.label, list(paths)))


def test_the_purge_backend_is_the_one_the_settings_name(settings, make_post, distribution):
    """`PURGE` swaps the backend (Wagtail's frontend cache shape): the named class gets the one
    batch of paths, with its options, and CloudFront gets nothing although configured."""
    Recording.sent = []
    settings.PURGE = {"BACKEND": "tests.blog.test_cdn.Recording", "OPTIONS": {"label": "mine"}}

    post = make_post()

    assert len(Recording.sent) == 1
    label, paths = Recording.sent[0]
    assert label == "mine" and f"/posts/{post.slug}/" in paths and "/" in paths
    assert distribution() == {}


def test_a_rolled_back_change_purges_nothing(settings, make_post):
    """Paths queued by a transaction that rolled back describe a change that never happened:
    the next purge sends only its own."""
    from django.db import transaction

    Recording.sent = []
    settings.PURGE = {"BACKEND": "tests.blog.test_cdn.Recording", "OPTIONS": {"label": "x"}}
    post = make_post()
    Recording.sent = []

    with pytest.raises(RuntimeError), transaction.atomic():
        post.title = "Never saved"
        post.slug = "never-saved"
        post.save()
        raise RuntimeError("the save fails after the signal queued its paths")
    assert Recording.sent == []

    make_post(slug="after")
    assert len(Recording.sent) == 1
    assert not any("never-saved" in path for path in Recording.sent[0][1])
