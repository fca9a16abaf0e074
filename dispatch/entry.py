"""The Lambda function's one entry point (`lambda_handler` in zappa_settings.json).

S3 records go to `thumbnails` without importing Django; DynamoDB stream records and SES
notifications over SNS go to `welcome`; everything else (HTTP, schedules, `zappa manage`,
keep-warm) goes to Zappa's own handler. A `Records` event nobody owns raises."""

import importlib
import os

from dispatch.router import NOT_OURS, route


def _zappa_lambda_handler():
    # Zappa copies its handler.py to the package root and that copy reads the root
    # zappa_settings module: use it, not `zappa.handler`, which is a second, separate
    # singleton. Outside a package (tests, local runs) only `zappa.handler` exists.
    try:
        module = importlib.import_module("handler")
    except ModuleNotFoundError:
        module = importlib.import_module("zappa.handler")
    return module.lambda_handler


def handler(event, context):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blog.settings")
    result = route(event, context)
    if result is NOT_OURS:
        return _zappa_lambda_handler()(event, context)
    return result
