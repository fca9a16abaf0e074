"""The Lambda function's one entry point (`lambda_handler` in zappa_settings.json).

S3 records go to `thumbnails` without importing Django; DynamoDB stream records and SES
notifications over SNS go to `welcome`; everything else (HTTP, schedules, `zappa manage`,
keep-warm) goes to Zappa's own handler. A `Records` event nobody owns raises.

On Lambda, the cyclic garbage collector is off from this module's import until the container's first event
has been handled, then everything alive is frozen (moved where collections never look again)
and collection resumes. Start-up allocates ~hundreds of thousands of long-lived objects (modules,
classes, Django's app registry, URL patterns, compiled templates) and almost no cyclic
garbage, so the ~180 collections it triggered only walked the same survivors again; later
collections skip them too. The cost: garbage cycles made before the freeze are kept for the
container's life (start-up makes few), and a first event that makes many cycles (a long
`manage` command) holds them until it ends."""

import gc
import importlib
import os

# Before anything else is imported (the Lambda runtime imports this module first), and only on
# Lambda: a test run or a local server is no cold start.
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    gc.disable()

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
    try:
        result = route(event, context)
        if result is NOT_OURS:
            return _zappa_lambda_handler()(event, context)
        return result
    finally:
        _started()


def _started():
    """Start-up is over (the first event ran, whatever its outcome): freeze what it left
    alive and let the collector run again. Once per container; a no-op afterwards."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
