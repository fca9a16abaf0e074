"""SES bounce and complaint notifications, delivered by SNS, suppress addresses for good: the
reference notifications, wrapped in SNS's envelope, go through the same router as in AWS."""

import pytest
from django.core import mail

from dispatch.router import route
from tests.welcome.conftest import corpus_json, sns_event
from welcome import services
from welcome.store import get_store
from welcome.subscriber import PENDING, SUPPRESSED


def notification(name):
    return corpus_json("events", "ses-notifications", f"notification-examples-{name}.json")


@pytest.fixture(autouse=True)
def _no_local_stream(monkeypatch):
    monkeypatch.setenv("LOCAL_EVENTS", "false")


@pytest.mark.parametrize("name", ["bounce-no-dsn", "bounce-with-dsn"])
def test_a_permanent_bounce_suppresses_each_bounced_address(store_kind, name):
    services.subscribe("jane@example.com")
    data = notification(name)
    route(sns_event(data))
    bounced = [r["emailAddress"] for r in data["bounce"]["bouncedRecipients"]]
    for address in bounced:
        entry = get_store().get(address)
        assert entry.status == SUPPRESSED
        assert entry.status_reason == "bounce: Permanent/General"
    assert get_store().get("mary@example.com") is None, "only bounced recipients are touched"


def test_a_complaint_in_other_letters_suppresses_the_same_subscriber(store_kind):
    """SES may report the address in other letters than the reader typed: one mailbox, one
    entry, and no variant of it can subscribe again."""
    services.subscribe("Richard@Example.com")
    data = notification("complaint-no-feedback")
    data["complaint"]["complainedRecipients"] = [{"emailAddress": "RICHARD@example.com"}]
    route(sns_event(data))
    assert get_store().get("richard@example.com").status == SUPPRESSED
    assert services.subscribe("richard@EXAMPLE.com") == ("richard@example.com", False)


@pytest.mark.parametrize("name", ["complaint-no-feedback", "complaint-with-feedback"])
def test_any_complaint_suppresses(store_kind, name):
    route(sns_event(notification(name)))
    entry = get_store().get("richard@example.com")
    assert entry.status == SUPPRESSED and entry.status_reason.startswith("complaint")


def test_a_delivery_notification_changes_nothing(store_kind):
    services.subscribe("jane@example.com")
    assert route(sns_event(notification("delivery"))) == {"results": [{"ignored": "Delivery"}]}
    assert get_store().get("jane@example.com").status == PENDING


def test_a_transient_bounce_is_only_counted(store_kind):
    services.subscribe("jane@example.com")
    data = notification("bounce-with-dsn")
    data["bounce"]["bounceType"] = "Transient"
    route(sns_event(data))
    entry = get_store().get("jane@example.com")
    assert (entry.status, entry.soft_bounces) == (PENDING, 1)


def test_configuration_set_events_spell_the_type_eventType(store_kind):
    data = notification("complaint-with-feedback")
    data["eventType"] = data.pop("notificationType")
    route(sns_event(data))
    assert get_store().get("richard@example.com").status == SUPPRESSED


def test_a_suppressed_address_is_never_sent_to_again(monkeypatch):
    """Subscribing again answers as usual but writes nothing, so no email goes out."""
    monkeypatch.setenv("LOCAL_EVENTS", "true")
    route(sns_event(notification("complaint-no-feedback")))
    email, created = services.subscribe("richard@example.com")
    assert (email, created) == ("richard@example.com", False)
    assert mail.outbox == []
    assert get_store().get("richard@example.com").status == SUPPRESSED


def test_the_reference_sns_event_without_an_ses_notification_is_ignored():
    """SAM's sample message is plain text: logged and ignored, not an error."""
    assert route(corpus_json("events", "aws-sam-cli", "Sns.json")) == {
        "results": [{"ignored": "not an SES notification"}]
    }


def test_a_failure_is_raised_after_the_other_records_are_applied(monkeypatch):
    """Lambda then retries the invocation; suppressing twice is harmless."""
    original = services.suppress

    def flaky(email, **kwargs):
        if email == "jane@example.com":
            raise RuntimeError("DynamoDB unavailable")
        return original(email, **kwargs)

    monkeypatch.setattr(services, "suppress", flaky)
    bounce = sns_event(notification("bounce-no-dsn"))
    complaint = sns_event(notification("complaint-no-feedback"))
    both = {"Records": bounce["Records"] + complaint["Records"]}
    with pytest.raises(RuntimeError, match="1 SES notification"):
        route(both)
    assert get_store().get("richard@example.com").status == SUPPRESSED


def test_unusable_addresses_in_a_notification_are_skipped():
    data = notification("complaint-no-feedback")
    data["complaint"]["complainedRecipients"] = [{"emailAddress": "not an address"}, {}, "x"]
    assert route(sns_event(data)) == {"results": [{"suppressed": 0}]}
    assert list(get_store().all()) == []
