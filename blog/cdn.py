"""CloudFront invalidation: readers see a change at once although pages are cached.

Every path that shows a post is collected while the transaction runs, and after it commits
one invalidation covers them all. Locally (no distribution configured) nothing is sent."""

import logging
import threading
import time

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from common import aws, observe

logger = logging.getLogger(__name__)
_pending = threading.local()


# Past this many single pages under one prefix, one wildcard path replaces them: CloudFront
# bills each path, and an author renamed on 500 posts is one `/posts/*`, not 500 paths.
MAX_PATHS_PER_PREFIX = 25
COLLAPSIBLE_PREFIXES = ("/posts/", "/tags/", "/authors/")


def post_paths(slug, username, tag_slugs, old_slugs=()):
    """Every public path that shows a post: its page, the lists it appears in, the feeds,
    the sitemap and the API, and its old slugs' redirects. A trailing `*` also covers query
    strings and pages."""
    paths = {
        reverse("blog:post", kwargs={"slug": slug}),
        *(reverse("blog:post", kwargs={"slug": old}) for old in old_slugs),
        reverse("blog:home"),
        "/?*",
        reverse("blog:author", kwargs={"username": username}) + "*",
        "/feeds/*",
        reverse("blog:sitemap"),
        reverse("blog:api-posts") + "*",
        reverse("blog:api-tags") + "*",
    }
    for tag in tag_slugs:
        paths.add(reverse("blog:tag", kwargs={"slug": tag}) + "*")
    return paths


def invalidate_after_commit(paths):
    """Queue `paths`; one invalidation for the whole transaction is sent after it commits."""
    if not paths:
        return
    queued = getattr(_pending, "paths", None)
    if queued is not None and _flush_is_registered():
        queued.update(paths)
        return
    # Nothing queued, or the transaction that queued it rolled back: start afresh.
    _pending.paths = set(paths)
    # Outside a transaction this runs at once; inside, when the outermost block commits.
    transaction.on_commit(_flush)


def _flush_is_registered():
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(entry[1] is _flush for entry in connection.run_on_commit)


def _flush():
    paths = collapse(getattr(_pending, "paths", None) or ())
    _pending.paths = None
    if paths:
        create_invalidation(paths)


def collapse(paths):
    """`paths`, sorted, with many pages under one prefix replaced by `<prefix>*`."""
    paths = set(paths)
    for prefix in COLLAPSIBLE_PREFIXES:
        under = {path for path in paths if path.startswith(prefix)}
        if len(under) > MAX_PATHS_PER_PREFIX:
            paths = (paths - under) | {prefix + "*"}
    return sorted(paths)


def cloudfront_client():
    return aws.client("cloudfront")


def create_invalidation(paths):
    """Send one invalidation for `paths`; returns its id, or None where no CDN is set up.
    A failure is logged, never raised: the post is saved, and the TTL bounds the staleness."""
    distribution = settings.CLOUDFRONT_DISTRIBUTION_ID
    if not distribution:
        logger.info("No CloudFront distribution configured: %d path(s) not invalidated", len(paths))
        return None
    try:
        response = cloudfront_client().create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                "CallerReference": f"blog-{time.time_ns()}",
            },
        )
    except Exception as error:
        logger.exception("CloudFront invalidation failed for %s", paths)
        observe.emit("failed", f"invalidation: {type(error).__name__}", level="ERROR", paths=len(paths))
        return None
    invalidation_id = response["Invalidation"]["Id"]
    logger.info("CloudFront invalidation %s for %d path(s)", invalidation_id, len(paths))
    observe.emit("invalidated", invalidation=invalidation_id, paths=len(paths), metrics={"Invalidations": 1})
    return invalidation_id
