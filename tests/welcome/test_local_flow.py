"""The whole flow on the embedded defaults, as a reader meets it in the browser: subscribe,
find the email in the outbox folder, confirm, then leave with one click."""

import email
import email.policy
import re

import pytest

from welcome.store import get_store

pytestmark = pytest.mark.django_db


def test_subscribe_confirm_unsubscribe_through_the_outbox(csrf_client, outbox):
    response = csrf_client.post("/subscribe/", {"email": "reader@example.com", "website": ""})
    assert response.status_code == 303

    (eml,) = outbox()
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "reader@example.com"
    text = message.get_body(("plain",)).get_content()
    confirm = re.search(r"https://blog\.example\.com(/confirm/\S+/)", text).group(1)
    unsubscribe = str(message["List-Unsubscribe"]).strip()[1:-1].removeprefix("https://blog.example.com")

    assert csrf_client.get(confirm).status_code == 200
    assert get_store().get("reader@example.com").status == "pending"
    assert csrf_client.post(confirm).status_code == 200
    assert get_store().get("reader@example.com").status == "confirmed"

    response = csrf_client.post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert get_store().get("reader@example.com").status == "unsubscribed"
    assert len(outbox()) == 1
