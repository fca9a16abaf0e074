"""SES bounce and complaint notifications, delivered by SNS, suppress addresses for good: SNS
deliveries written out as the data stack's topic sends them (tests/events/sns-ses-*.json), in
both of SES's spellings (identity notifications and configuration-set events), go through the
same router as in AWS."""

import pytest
from django.core import mail

from dispatch.router import route
from tests import corpus, events
from tests.welcome.conftest import sns_event
from welcome import services
from welcome.store import get_store
from welcome.subscriber import PENDING, SUPPRESSED


def delivery(name):
    """tests/events/sns-ses-<name>.json: the SNS event Lambda is given."""
    return events.load(f"sns-ses-{name}.json")


def notification(name):
    """The SES notification that delivery carries."""
    return events.ses_notification(delivery(name))


@pytest.fixture(autouse=True)
def _ours(settings, monkeypatch):
    monkeypatch.setenv("LOCAL_EVENTS", "false")
    # The configuration set the events name (the data stack's, `<project>-<stage>`).
    settings.SES_CONFIGURATION_SET = "blog-prod"


@pytest.mark.parametrize("name", ["bounce", "bounce-no-dsn"])
def test_a_permanent_bounce_suppresses_each_bounced_address(store_kind, name):
    data = notification(name)
    bounced = [r["emailAddress"] for r in data["bounce"]["bouncedRecipients"]]
    others = [a for a in data["mail"]["destination"] if a not in bounced]
    assert bounced and others, "the message went to more addresses than bounced"
    for address in bounced + others:
        services.subscribe(address)

    assert route(delivery(name)) == {"results": [{"suppressed": len(bounced)}]}

    for address in bounced:
        entry = get_store().get(address)
        assert (entry.status, entry.status_reason) == (SUPPRESSED, "bounce: Permanent/General")
    for address in others:
        assert get_store().get(address).status == PENDING, "only bounced recipients are touched"


def test_a_complaint_in_other_letters_suppresses_the_same_subscriber(store_kind):
    """SES may report the address in other letters than the reader typed: one mailbox, one
    entry, and no variant of it can subscribe again."""
    services.subscribe("Annoyed@Readers.example.com")
    data = notification("complaint-no-feedback")
    data["complaint"]["complainedRecipients"] = [{"emailAddress": "ANNOYED@readers.example.com"}]
    route(sns_event(data))
    assert get_store().get("annoyed@readers.example.com").status == SUPPRESSED
    assert services.subscribe("annoyed@READERS.example.com") == ("annoyed@readers.example.com", False)


@pytest.mark.parametrize(
    ("name", "reason"),
    [("complaint-no-feedback", "complaint: unspecified"), ("complaint", "complaint: abuse")],
)
def test_any_complaint_suppresses(store_kind, name, reason):
    [address] = [r["emailAddress"] for r in notification(name)["complaint"]["complainedRecipients"]]
    assert route(delivery(name)) == {"results": [{"suppressed": 1}]}
    entry = get_store().get(address)
    assert (entry.status, entry.status_reason) == (SUPPRESSED, reason)


def test_a_delivery_notification_changes_nothing(store_kind):
    [address] = notification("delivery")["delivery"]["recipients"]
    services.subscribe(address)
    assert route(delivery("delivery")) == {"results": [{"ignored": "Delivery"}]}
    assert get_store().get(address).status == PENDING


def test_a_transient_bounce_is_only_counted(store_kind):
    data = notification("bounce")
    data["bounce"].update(bounceType="Transient", bounceSubType="MailboxFull")
    address = data["bounce"]["bouncedRecipients"][0]["emailAddress"]
    services.subscribe(address)
    route(sns_event(data))
    entry = get_store().get(address)
    assert (entry.status, entry.soft_bounces) == (PENDING, 1)


def test_both_spellings_of_the_notification_type_are_read(store_kind):
    """Identity notifications say `notificationType`, configuration-set events `eventType`."""
    data = notification("complaint-no-feedback")
    assert "notificationType" in data and "eventType" in notification("complaint")
    data["eventType"] = data.pop("notificationType")
    route(sns_event(data))
    assert get_store().get("annoyed@readers.example.com").status == SUPPRESSED


def test_a_suppressed_address_is_never_sent_to_again(monkeypatch):
    """Subscribing again answers as usual but writes nothing, so no email goes out."""
    monkeypatch.setenv("LOCAL_EVENTS", "true")
    route(delivery("complaint-no-feedback"))
    email, created = services.subscribe("annoyed@readers.example.com")
    assert (email, created) == ("annoyed@readers.example.com", False)
    assert mail.outbox == []
    assert get_store().get("annoyed@readers.example.com").status == SUPPRESSED


@pytest.mark.parametrize(
    "path", events.params("sns-plain-message.json") + corpus.params("events", "aws-sam-cli/Sns.json")
)
def test_an_sns_message_that_is_no_ses_notification_is_ignored(path):
    """A plain-text message: logged and ignored, not an error."""
    assert route(events.load(path)) == {"results": [{"ignored": "not an SES notification"}]}


def test_a_failure_is_raised_after_the_other_records_are_applied(monkeypatch):
    """Lambda then retries the invocation; suppressing twice is harmless."""
    original = services.suppress

    def flaky(email, **kwargs):
        if email == "gone@readers.example.com":
            raise RuntimeError("DynamoDB unavailable")
        return original(email, **kwargs)

    monkeypatch.setattr(services, "suppress", flaky)
    both = {"Records": delivery("bounce-no-dsn")["Records"] + delivery("complaint-no-feedback")["Records"]}
    with pytest.raises(RuntimeError, match="1 SES notification"):
        route(both)
    assert get_store().get("annoyed@readers.example.com").status == SUPPRESSED


def test_unusable_addresses_in_a_notification_are_skipped():
    data = notification("complaint-no-feedback")
    data["complaint"]["complainedRecipients"] = [{"emailAddress": "not an address"}, {}, "x"]
    assert route(sns_event(data)) == {"results": [{"suppressed": 0}]}
    assert list(get_store().all()) == []


@pytest.mark.parametrize(
    "path",
    events.params(*(f"sns-ses-{name}.json" for name in ("bounce", "bounce-no-dsn", "complaint", "complaint-no-feedback", "delivery")))
    + corpus.params("events/ses-notifications", "*.json"),
)  # fmt: skip
def test_each_notification_suppresses_exactly_what_it_reports(path):
    """Every address the message went to is a subscriber: exactly the permanently bounced and
    the complained ones end suppressed. (The corpus's SES examples, where it is beside the
    repository, come in our topic's envelope.)"""
    event = events.load(path)
    if "Records" not in event:
        event = sns_event(event)
    data = events.ses_notification(event)
    kind = data.get("notificationType") or data.get("eventType")
    bounce, complaint = data.get("bounce", {}), data.get("complaint", {})
    reported = {
        "Bounce": [r["emailAddress"] for r in bounce["bouncedRecipients"]] if bounce.get("bounceType") == "Permanent" else [],
        "Complaint": [r["emailAddress"] for r in complaint.get("complainedRecipients", [])],
    }.get(kind, [])  # fmt: skip
    addresses = {a.lower() for a in [*data["mail"]["destination"], *reported]}
    for address in addresses:
        services.subscribe(address)
    route(event)
    suppressed = {a for a in addresses if get_store().get(a).status == SUPPRESSED}
    assert suppressed == {a.lower() for a in reported}
