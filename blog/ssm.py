"""Secrets from SSM Parameter Store, read once when the function starts.

Nothing secret lives in zappa_settings.json or the repository: with `SSM_PREFIX` set (e.g.
`/blog/prod/`), every SecureString under it becomes an environment variable unless one is set
already, so `/blog/prod/secret-key` is SECRET_KEY and `/blog/prod/database-url` (with its
password) is DATABASE_URL."""

import os

from common import aws


def parameter_env_name(name, prefix):
    return name[len(prefix) :].strip("/").upper().replace("-", "_").replace("/", "_")


def load_ssm_parameters(prefix):
    client = aws.client("ssm")
    values = {}
    for page in client.get_paginator("get_parameters_by_path").paginate(Path=prefix, WithDecryption=True):
        for parameter in page["Parameters"]:
            values[parameter_env_name(parameter["Name"], prefix)] = parameter["Value"]
    return values


def export_ssm_parameters(prefix):
    """Put the parameters under `prefix` into os.environ; variables already set win."""
    if not prefix:
        return []
    loaded = load_ssm_parameters(prefix if prefix.endswith("/") else prefix + "/")
    for key, value in loaded.items():
        os.environ.setdefault(key, value)
    return sorted(loaded)
