"""The OpenAPI 3 document for /api/v1/: it describes the API exactly (no extra fields, every
status code, the lengths the server checks), and the test suite holds the API to it with
schemathesis (every check).

What an operation cannot describe is said in `components.responses` and the descriptions: a
method a path does not list answers 405 (`MethodNotAllowed`, with `Allow`), a path not listed
under /api/ answers 404 (`NotFound`), both in the one `Error` shape."""

from django.conf import settings

from welcome.addresses import MAX_LENGTH as EMAIL_MAX_LENGTH

_nullable_string = {"type": ["string", "null"]}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


def _error(description):
    return {"description": description, **_json(_ref("Error"))}


def _response(name):
    return {"$ref": f"#/components/responses/{name}"}


# Any request can be refused before it reaches the operation: a Host header that is not the
# site's, or a query string of over 1,000 parameters (Django's DATA_UPLOAD_MAX_NUMBER_FIELDS).
_REFUSED = "A Host header that is not this site's, or over 1,000 query parameters."
_NOT_MODIFIED = {"description": "Not modified: the `If-None-Match` ETag is the current one (no body)."}


RESPONSES = {
    "BadRequest": _error(_REFUSED),
    "NotFound": _error("No such resource: also the answer to any path under /api/ not listed here."),
    "MethodNotAllowed": {
        "description": "A method the path does not list: `Allow` names the ones it takes (`GET, HEAD` "
        "on the reading paths, `POST` on /api/v1/subscribers/).",
        "headers": {"Allow": {"schema": {"type": "string"}, "required": True}},
        **_json(_ref("Error")),
    },
    "ServerError": _error("Something went wrong on our side."),
}


def _reading(responses):
    """A GET operation's responses: its own, plus what any GET here can answer."""
    return {
        "304": _NOT_MODIFIED,
        "400": _response("BadRequest"),
        **responses,
        "5XX": _response("ServerError"),
    }


def _closed(properties, required=None):
    return {
        "type": "object",
        "properties": properties,
        "required": list(required if required is not None else properties),
        "additionalProperties": False,
    }


def _page_of(item):
    return _closed(
        {
            "count": {"type": "integer", "minimum": 0},
            "next": {**_nullable_string, "format": "uri"},
            "previous": {**_nullable_string, "format": "uri"},
            "results": {"type": "array", "items": item},
        }
    )


_PAGE = {
    "name": "page",
    "in": "query",
    "required": False,
    "description": "Page number, from 1.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
}


def _filter(name, description):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "maxLength": 200},
    }


SCHEMAS = {
    "Error": _closed(
        {
            "error": _closed(
                {
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                }
            )
        }
    ),
    "Tag": _closed(
        {"slug": {"type": "string"}, "name": {"type": "string"}, "url": {"type": "string", "format": "uri"}}
    ),
    "TagWithCount": _closed(
        {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "post_count": {"type": "integer", "minimum": 1},
        }
    ),
    "Author": _closed(
        {
            "username": {"type": "string"},
            "name": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
        }
    ),
    "Photo": _closed(
        {
            "url": {"type": "string", "format": "uri"},
            "alt": {"type": "string"},
            "caption": {"type": "string"},
            "width": {"type": "integer", "minimum": 1},
            "height": {"type": "integer", "minimum": 1},
            "renditions": {
                "type": "array",
                "items": _closed(
                    {
                        "url": {"type": "string", "format": "uri"},
                        "width": {"type": "integer", "minimum": 1},
                        "height": {"type": "integer", "minimum": 1},
                        "type": {"type": "string", "enum": ["image/avif", "image/webp", "image/jpeg"]},
                    }
                ),
            },
        }
    ),
}
_POST_FIELDS = {
    "slug": {"type": "string"},
    "title": {"type": "string"},
    "summary": {"type": "string"},
    "url": {"type": "string", "format": "uri"},
    "api_url": {"type": "string", "format": "uri"},
    "published_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "author": _ref("Author"),
    "tags": {"type": "array", "items": _ref("Tag")},
    "cover": {"oneOf": [_ref("Photo"), {"type": "null"}]},
}


def _any_case(word):
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


def _not_special_use():
    """A pattern refusing the special-use domains (`.test`, `.local`...) that email-validator,
    and so the server, refuses: JSON Schema's `email` format allows them."""
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    names = "|".join(_any_case(name).replace(".", r"\.") for name in SPECIAL_USE_DOMAIN_NAMES)
    return rf"^[^@]*@(?!(?:[^@]*\.)?(?:{names})\.?\s*$)[\s\S]*$"


def _subscription_request():
    return {
        "type": "object",
        "properties": {
            "email": {
                "type": "string",
                "format": "email",
                "maxLength": EMAIL_MAX_LENGTH,
                "pattern": _not_special_use(),
                "description": "An address our mail service can send to: ASCII before the @ (at "
                "most 64 characters), a public domain (not a special-use one such as `.test`). Spaces "
                "around it are ignored; it is stored in lower case.",
            }
        },
        "required": ["email"],
    }


SCHEMAS["SubscriptionAccepted"] = _closed({"email": {"type": "string"}, "message": {"type": "string"}})
SCHEMAS["PostSummary"] = _closed(_POST_FIELDS)
SCHEMAS["Post"] = _closed({**_POST_FIELDS, "body_html": {"type": "string"}})
SCHEMAS["PostPage"] = _page_of(_ref("PostSummary"))
SCHEMAS["TagPage"] = _page_of(_ref("TagWithCount"))


def openapi_document():
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{settings.SITE_NAME} API",
            "version": "1.0.0",
            "description": "Read-only access to published posts and tags, open to any origin, and "
            "subscribing. Every error is an `Error`: also a method a path does not list (405, "
            "`MethodNotAllowed`) and a path under /api/ not listed here (404, `NotFound`).",
        },
        "servers": [{"url": settings.SITE_URL}],
        "paths": {
            "/api/v1/posts/": {
                "description": "GET and HEAD; any other method answers 405.",
                "get": {
                    "operationId": "listPosts",
                    "summary": "Published posts, newest first (best match first with `q`).",
                    "parameters": [
                        _PAGE,
                        _filter("tag", "Only posts with this tag slug."),
                        _filter("author", "Only posts by this username."),
                        _filter("q", "Full-text search."),
                    ],
                    "responses": _reading(
                        {
                            "200": {"description": "A page of posts.", **_json(_ref("PostPage"))},
                            "400": _error("A parameter is malformed. " + _REFUSED),
                            "404": _error("The page is past the last one."),
                        }
                    ),
                },
            },
            "/api/v1/posts/{slug}/": {
                "description": "GET and HEAD; any other method answers 405.",
                "get": {
                    "operationId": "getPost",
                    "summary": "One published post, with its HTML body.",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
                        }
                    ],
                    "responses": _reading(
                        {
                            "200": {"description": "The post.", **_json(_ref("Post"))},
                            "404": _error("No published post has this slug."),
                        }
                    ),
                },
            },
            "/api/v1/subscribers/": {
                "description": "POST only (and a CORS preflight); any other method answers 405.",
                "post": {
                    "operationId": "subscribe",
                    "summary": "Subscribe an address: a confirmation email follows (double opt-in).",
                    "description": "The answer is the same whether or not the address was already "
                    "subscribed. Requests from other websites' pages are refused.",
                    "requestBody": {"required": True, **_json(_ref("SubscriptionRequest"))},
                    "responses": {
                        "202": {
                            "description": "Accepted: check the inbox.",
                            **_json(_ref("SubscriptionAccepted")),
                        },
                        "400": _error("Not JSON, no `email`, or an address we cannot send to. " + _REFUSED),
                        "403": _error("Sent from another website's page."),
                        "413": _error("The body is larger than the server accepts (2.5 MB)."),
                        "415": _error("The body is not `application/json`."),
                        "429": {
                            **_error("Too many subscribe requests from this client address."),
                            "headers": {
                                "Retry-After": {
                                    "description": "Seconds until requests are accepted again.",
                                    "schema": {"type": "integer", "minimum": 1},
                                }
                            },
                        },
                        "5XX": _response("ServerError"),
                    },
                },
            },
            "/api/v1/tags/": {
                "description": "GET and HEAD; any other method answers 405.",
                "get": {
                    "operationId": "listTags",
                    "summary": "Tags on at least one published post, by name.",
                    "parameters": [_PAGE],
                    "responses": _reading(
                        {
                            "200": {"description": "A page of tags.", **_json(_ref("TagPage"))},
                            "400": _error("A parameter is malformed. " + _REFUSED),
                            "404": _error("The page is past the last one."),
                        }
                    ),
                },
            },
        },
        "components": {
            "schemas": {**SCHEMAS, "SubscriptionRequest": _subscription_request()},
            "responses": RESPONSES,
        },
    }
