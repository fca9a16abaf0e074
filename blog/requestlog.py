"""One outcome line per HTTP request (method, path, status, duration, Lambda request id).

Outermost middleware, so the status is the one the reader gets and the duration covers every
layer. Zappa puts the Lambda context in `request.META["lambda.context"]`; locally there is none.
The query string is left out: a search or a token can carry what a log should not keep."""

import time

from common import observe
from common.redact import redact


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        context = request.META.get("lambda.context")
        with observe.scope("http", context, method=request.method, path=_path(request)):
            response = self.get_response(request)
            status = response.status_code
            observe.emit(
                "error" if status >= 500 else "ok",
                level="ERROR" if status >= 500 else "INFO",
                status=status,
                ms=observe.milliseconds_since(start),
            )
        return response


def _path(request):
    # Confirm and unsubscribe links carry a signed token naming the address: keep the route only.
    return redact(request.path)
