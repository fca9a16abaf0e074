"""The OpenAPI 3 document for /api/v1/: it describes the API exactly (no extra fields, every
status code), and the test suite holds the API to it with schemathesis."""

from django.conf import settings

_nullable_string = {"type": ["string", "null"]}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


def _error(description):
    return {"description": description, **_json(_ref("Error"))}


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
SCHEMAS["SubscriptionRequest"] = {
    "type": "object",
    "properties": {"email": {"type": "string", "maxLength": 320}},
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
            "description": "Read-only access to published posts and tags. Open to any origin.",
        },
        "servers": [{"url": settings.SITE_URL}],
        "paths": {
            "/api/v1/posts/": {
                "get": {
                    "operationId": "listPosts",
                    "summary": "Published posts, newest first (best match first with `q`).",
                    "parameters": [
                        _PAGE,
                        _filter("tag", "Only posts with this tag slug."),
                        _filter("author", "Only posts by this username."),
                        _filter("q", "Full-text search."),
                    ],
                    "responses": {
                        "200": {"description": "A page of posts.", **_json(_ref("PostPage"))},
                        "400": _error("A parameter is malformed."),
                        "404": _error("The page is past the last one."),
                    },
                }
            },
            "/api/v1/posts/{slug}/": {
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
                    "responses": {
                        "200": {"description": "The post.", **_json(_ref("Post"))},
                        "404": _error("No published post has this slug."),
                    },
                }
            },
            "/api/v1/subscribers/": {
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
                        "400": _error("Not JSON, no `email`, or an address we cannot send to."),
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
                    },
                }
            },
            "/api/v1/tags/": {
                "get": {
                    "operationId": "listTags",
                    "summary": "Tags on at least one published post, by name.",
                    "parameters": [_PAGE],
                    "responses": {
                        "200": {"description": "A page of tags.", **_json(_ref("TagPage"))},
                        "400": _error("A parameter is malformed."),
                        "404": _error("The page is past the last one."),
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
