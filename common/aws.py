"""AWS clients, made when first needed and reused by every later call in the same container.

Never at import time: importing a module needs no credentials, tests can start moto first,
and the S3 path pays for a client only when an event needs one. Once per container, not per
record or per request: building a boto3 client costs 20-70 ms (it loads the service model
and resolves credentials and endpoints), which a warm Lambda container should pay once.

The endpoint comes from botocore's own configuration, so `AWS_ENDPOINT_URL` (the rehearsal's
moto server) reaches every client without a line of ours."""

import functools


@functools.cache
def client(service, region=None):
    """The shared boto3 client for `service` in `region` (the environment's region when None),
    with the standard retry mode: throttling is retried with backoff before it reaches us."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, region_name=region or None, config=Config(retries={"mode": "standard"}))


def forget_clients():
    """Drop every client (tests that change credentials, regions or endpoints between cases)."""
    client.cache_clear()
