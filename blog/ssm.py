"""Secrets from SSM Parameter Store, read once when Django starts.

Nothing secret lives in zappa_settings.json, the function's environment or the repository:
with `SSM_PREFIX` set (e.g. `/blog/prod/`), each parameter of `PARAMETERS` that exists under it
becomes an environment variable unless one is set already, so `/blog/prod/secret-key` is
SECRET_KEY and `/blog/prod/database-url` (with its password) is DATABASE_URL.

Two ways to read them, one result. On Lambda with the AWS Parameters and Secrets extension (a
layer; `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` is set where it is attached): one GET per name
to the extension on localhost, over `http.client` (already imported by then). No SSM client
is built at start-up: boto3's costs 65 ms of CPU and 13 MiB (it loads SSM's service model),
a quarter of a bare Django cold start (bench/coldstart.py). Elsewhere, or if the extension does
not answer: one GetParametersByPath through boto3 (the rehearsal, which has no extension,
proves this path under the role). A warm container that must learn a rotated origin secret
reads SSM through boto3 too (blog/origin.py): the extension would answer from its cache."""

import http.client
import json
import logging
import os
import threading
import urllib.parse

from common import aws

logger = logging.getLogger(__name__)

# Every parameter the function reads, named under the stage's prefix. Fixed, not "whatever is
# under the prefix": the extension reads by name only, and both ways must give the same result.
PARAMETERS = ("secret-key", "log-hash-salt", "origin-verify", "origin-verify-previous", "database-url")
EXTENSION_PORT = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
EXTENSION_TIMEOUT = 5  # seconds: the extension answers from its cache or from one SSM call


class ExtensionUnavailable(Exception):
    """The extension did not answer, or not as documented."""


def parameter_env_name(name, prefix):
    return name[len(prefix) :].strip("/").upper().replace("-", "_").replace("/", "_")


def load_ssm_parameters(prefix):
    """{ENV_NAME: value} of the PARAMETERS under `prefix`, straight from SSM (boto3)."""
    client = aws.client("ssm")
    wanted = {prefix + name for name in PARAMETERS}
    values = {}
    for page in client.get_paginator("get_parameters_by_path").paginate(Path=prefix, WithDecryption=True):
        for parameter in page["Parameters"]:
            if parameter["Name"] in wanted:
                values[parameter_env_name(parameter["Name"], prefix)] = parameter["Value"]
    return values


def _from_extension(port, name):
    """The value of parameter `name`, or None if it does not exist, from the extension."""
    connection = http.client.HTTPConnection("localhost", int(port), timeout=EXTENSION_TIMEOUT)
    query = urllib.parse.urlencode({"name": name, "withDecryption": "true"})
    # The extension answers only callers holding the function's own session token.
    token = os.environ.get("AWS_SESSION_TOKEN", "")
    try:
        connection.request("GET", f"/systemsmanager/parameters/get?{query}", headers={
            "X-Aws-Parameters-Secrets-Token": token})  # fmt: skip
        response = connection.getresponse()
        body = response.read()
    except OSError as error:
        raise ExtensionUnavailable(f"no answer from the extension on port {port}: {error}") from error
    finally:
        connection.close()
    if response.status == 200:
        try:
            return json.loads(body)["Parameter"]["Value"]
        except (ValueError, KeyError, TypeError) as error:
            raise ExtensionUnavailable(f"unexpected answer for {name}: {body[:200]!r}") from error
    # A name that does not exist is expected (origin-verify-previous outside a rotation,
    # database-url with the RDS database). The extension passes SSM's error on in a form it
    # does not document: anything else counts as the extension failing, and boto3 reads SSM.
    if response.status == 404 or b"ParameterNotFound" in body:
        return None
    raise ExtensionUnavailable(f"{response.status} for {name}: {body[:200]!r}")


def load_through_extension(prefix, port):
    """{ENV_NAME: value} of the PARAMETERS under `prefix`, from the extension. The names are
    asked for at once (a name the extension has not cached costs one SSM round trip)."""
    results, errors = {}, []

    def fetch(name):
        try:
            results[name] = _from_extension(port, prefix + name)
        except ExtensionUnavailable as error:
            errors.append(error)

    threads = [threading.Thread(target=fetch, args=(name,)) for name in PARAMETERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return {
        parameter_env_name(prefix + name, prefix): value
        for name, value in results.items()
        if value is not None
    }


def export_ssm_parameters(prefix):
    """Put the parameters under `prefix` into os.environ; variables already set win."""
    if not prefix:
        return []
    prefix = prefix if prefix.endswith("/") else prefix + "/"
    port = os.environ.get(EXTENSION_PORT, "")
    loaded = None
    if port:
        try:
            loaded = load_through_extension(prefix, port)
        except ExtensionUnavailable:
            logger.warning(
                "The Parameters and Secrets extension did not answer; reading SSM directly", exc_info=True
            )
    if loaded is None:
        loaded = load_ssm_parameters(prefix)
    for key, value in loaded.items():
        os.environ.setdefault(key, value)
    return sorted(loaded)
