"""Every 4xx and 5xx under /api/ in the API's one error shape, whichever layer made it.

The API's views answer their own errors as JSON, but some answers come from elsewhere: Django's
400 for a bad Host header or a query string of over 1,000 parameters, the 404 for a path no
route matches (under DEBUG, the HTML debug page), an exception's 500 (under DEBUG, the
traceback page). This middleware, next to the outermost, replaces any such non-JSON error
with `{"error": {"status", "code", "message"}}`, keeping the status and the headers that
belong to it (Allow, Retry-After, CORS, Cache-Control, the security headers). The message is
a fixed sentence per status, never the body it replaces, which may hold a traceback."""

from http import HTTPStatus

API_PREFIX = "/api/"
MESSAGES = {
    400: ("bad_request", "The request is malformed."),
    403: ("forbidden", "You may not do this."),
    404: ("not_found", "No such resource."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: ("payload_too_large", "The body is larger than the server accepts."),
    500: ("server_error", "Something went wrong on our side."),
}
# Headers that describe the body being replaced.
_BODY_HEADERS = {"content-type", "content-length", "content-encoding", "content-language", "etag"}


def code_and_message(status):
    if status in MESSAGES:
        return MESSAGES[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Client error" if status < 500 else "Server error"
    return phrase.lower().replace(" ", "_").replace("-", "_"), phrase + "."


def is_api_error_shape(response):
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


class ApiErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(API_PREFIX)
            or is_api_error_shape(response)
        ):
            return response
        return _as_api_error(response)


def _as_api_error(original):
    from blog.api import error_response

    code, message = code_and_message(original.status_code)
    response = error_response(original.status_code, code, message)
    for header, value in original.items():
        if header.lower() not in _BODY_HEADERS:
            response[header] = value
    response.cookies = original.cookies
    return response
