"""Readers see a change at once although CloudFront keeps pages: the paths that show it are
purged after the transaction commits, in one request per transaction.

One interface with swappable backends, as Wagtail's frontend cache has: `settings.PURGE`
names the backend class and its options, `CloudFrontPurge` where a distribution is configured
and `NoPurge` (which only logs) on the embedded defaults. The code that changes what readers
see calls `purge_after_commit(paths)` (blog.services, blog.tasks, blog.renditions, and the
model signals for changes Django offers no other hook for); which paths show what is
blog.paths'.

Batching uses only Django's public transaction API: every call queues its paths and registers
an `on_commit` flush; the first flush after the commit sends them all and the others find
nothing left. A transaction that rolls back discards its flushes: its paths are dropped by the
next call made outside a transaction, or ride along with the next purge made inside one (a page
purged once more than needed, never one left stale)."""

import logging
import threading
import time

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from common import aws, observe

logger = logging.getLogger(__name__)
_pending = threading.local()

# Past this many single pages under one prefix, one wildcard path replaces them: CloudFront
# bills each path, and an author renamed on 500 posts is one `/posts/*`, not 500 paths.
MAX_PATHS_PER_PREFIX = 25
COLLAPSIBLE_PREFIXES = ("/posts/", "/tags/", "/authors/")


class NoPurge:
    """No CDN in front (the embedded defaults): nothing to purge."""

    def purge(self, paths):
        logger.info("No CDN configured: %d path(s) not purged", len(paths))
        return None


class CloudFrontPurge:
    """One CloudFront invalidation for the paths."""

    def __init__(self, distribution_id):
        self.distribution_id = distribution_id

    def purge(self, paths):
        """Send one invalidation; returns its id. A failure is logged, never raised: the change
        is saved, and `s-maxage` bounds how long readers may see the old page."""
        try:
            response = aws.client("cloudfront").create_invalidation(
                DistributionId=self.distribution_id,
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
        observe.emit(
            "invalidated", invalidation=invalidation_id, paths=len(paths), metrics={"Invalidations": 1}
        )
        return invalidation_id


def backend():
    """The purge backend `settings.PURGE` names; unset, CloudFront's when the settings name a
    distribution and none otherwise (read at call time)."""
    config = settings.PURGE
    if config is None:
        distribution = settings.CLOUDFRONT_DISTRIBUTION_ID
        config = (
            {"BACKEND": "blog.purge.CloudFrontPurge", "OPTIONS": {"distribution_id": distribution}}
            if distribution
            else {"BACKEND": "blog.purge.NoPurge"}
        )
    return import_string(config["BACKEND"])(**config.get("OPTIONS", {}))


def purge_after_commit(paths):
    """Queue `paths`; after the transaction commits, one purge covers everything queued."""
    if not paths:
        return
    queued = getattr(_pending, "paths", None)
    if queued is None or transaction.get_autocommit():
        # Outside a transaction every flush runs at once, so what is still queued belongs to a
        # transaction that rolled back: the change it described never happened.
        queued = _pending.paths = set()
    queued.update(paths)
    # Outside a transaction this runs at once; inside, when the outermost block commits.
    transaction.on_commit(_flush)


def discard_pending():
    """Forget what is queued and not sent: for a test's start, whose predecessor's rolled-back
    transaction changed nothing any reader saw."""
    _pending.paths = None


def _flush():
    paths = collapse(getattr(_pending, "paths", None) or ())
    _pending.paths = None
    if paths:
        backend().purge(paths)


def collapse(paths):
    """`paths`, sorted, with many pages under one prefix replaced by `<prefix>*`."""
    paths = set(paths)
    for prefix in COLLAPSIBLE_PREFIXES:
        under = {path for path in paths if path.startswith(prefix)}
        if len(under) > MAX_PATHS_PER_PREFIX:
            paths = (paths - under) | {prefix + "*"}
    return sorted(paths)
