"""The queue's messages, as JSON bodies. Two kinds, both about one post:

- a page of the fan-out, `{"type": "newsletter.page", "post": 12, "cursor": null}`: read the
  next page of subscribers after `cursor` and queue one send for each confirmed one (then the
  page after, as another message);
- a send, `{"type": "newsletter.send", "post": 12, "email": "reader@example.com"}`.

One message per (post, subscriber), not groups of subscribers: each record the function is
given, each `batchItemFailures` entry, each retry, each message in the failed-records queue and
each replay is then exactly one address, so a failure for one reader never holds back or
resends another. SQS charges per request of up to ten messages (SendMessageBatch), so groups
would save under a cent per 100,000 subscribers (README, "Newsletter")."""

import json
from dataclasses import dataclass

PAGE = "newsletter.page"
SEND = "newsletter.send"
KINDS = (PAGE, SEND)
MAX_EMAIL = 254


class BadMessage(ValueError):
    """A body that is not one of our messages: no retry can make it one."""


@dataclass(frozen=True)
class Message:
    kind: str
    post: int
    email: str | None = None
    cursor: str | None = None

    def body(self):
        payload = {"type": self.kind, "post": self.post}
        if self.kind == SEND:
            payload["email"] = self.email
        else:
            payload["cursor"] = self.cursor
        return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def page(post_id, cursor=None):
    return Message(PAGE, int(post_id), cursor=cursor)


def send(post_id, email):
    return Message(SEND, int(post_id), email=email)


def is_ours(payload):
    """True for a decoded body that claims to be one of ours (replay's test)."""
    return isinstance(payload, dict) and payload.get("type") in KINDS


def parse(body):
    """The Message in a record's body; BadMessage says why it is not one."""
    try:
        payload = json.loads(body) if isinstance(body, str) else None
    except ValueError:
        payload = None
    if not is_ours(payload):
        raise BadMessage("not a newsletter message")
    post = payload.get("post")
    if not isinstance(post, int) or isinstance(post, bool) or post < 1:
        raise BadMessage("no post id")
    if payload["type"] == SEND:
        email = payload.get("email")
        if not isinstance(email, str) or "@" not in email or len(email) > MAX_EMAIL:
            raise BadMessage("no address")
        return send(post, email)
    cursor = payload.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise BadMessage("the cursor is not a string")
    return page(post, cursor)
