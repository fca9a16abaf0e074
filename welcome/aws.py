"""AWS clients, made when first needed and reused by later calls in the same container (never
at import time, so importing this package needs no credentials and tests can mock AWS first)."""

import functools


@functools.cache
def client(service, region=None):
    """A boto3 client for `service` in `region` (the environment's region when None), with
    the standard retry mode: throttling is retried with backoff before it reaches us."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, region_name=region, config=Config(retries={"mode": "standard"}))
