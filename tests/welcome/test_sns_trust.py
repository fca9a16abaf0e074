"""SES notifications are acted on only when they come from the configured SNS topic and, when
they name one, from our SES configuration set: a forged complaint from anywhere else is
logged and ignored (never retried), and suppresses nobody.

The event is an SNS delivery of an SES event-publishing complaint, written for these tests
(tests/events/sns-ses-complaint.json), as the data stack's topic delivers it."""

import copy
import json
from pathlib import Path

import pytest

from dispatch.router import route
from welcome import services
from welcome.store import get_store
from welcome.subscriber import PENDING, SUPPRESSED

EVENT = json.loads((Path(__file__).parents[1] / "events" / "sns-ses-complaint.json").read_text())
TOPIC = EVENT["Records"][0]["Sns"]["TopicArn"]
ADDRESS = "reader@readers.example.com"


@pytest.fixture(autouse=True)
def _ours(settings, monkeypatch):
    monkeypatch.setenv("LOCAL_EVENTS", "false")
    settings.SES_NOTIFICATIONS_TOPIC_ARN = TOPIC
    settings.SES_CONFIGURATION_SET = "blog-prod"


@pytest.fixture
def subscribed(store_kind):
    """The reader is a pending subscriber, in either store."""
    services.subscribe(ADDRESS)


def event(topic=TOPIC, configuration_set="blog-prod"):
    data = copy.deepcopy(EVENT)
    sns = data["Records"][0]["Sns"]
    sns["TopicArn"] = topic
    message = json.loads(sns["Message"])
    if configuration_set is None:
        del message["mail"]["tags"]["ses:configuration-set"]
    else:
        message["mail"]["tags"]["ses:configuration-set"] = [configuration_set]
    sns["Message"] = json.dumps(message)
    return data


def test_a_complaint_from_our_topic_and_configuration_set_suppresses(subscribed):
    assert route(event()) == {"results": [{"suppressed": 1}]}
    assert get_store().get(ADDRESS).status == SUPPRESSED


def test_a_notification_naming_no_configuration_set_counts_if_from_our_topic(subscribed):
    """Identity-level feedback (no configuration set) arrives on the same topic when set up."""
    assert route(event(configuration_set=None)) == {"results": [{"suppressed": 1}]}
    assert get_store().get(ADDRESS).status == SUPPRESSED


def test_a_complaint_from_another_topic_is_ignored_and_logged(subscribed, caplog, capsys):
    """Not raised, so not retried; the line says which topic it came from."""
    forged = "arn:aws:sns:eu-west-1:444455556666:anything"
    assert route(event(topic=forged)) == {"results": [{"ignored": "from another SNS topic"}]}
    assert get_store().get(ADDRESS).status == PENDING
    assert forged in caplog.text
    assert "outcome=skipped" in capsys.readouterr().out


def test_a_complaint_naming_another_configuration_set_is_ignored(subscribed):
    assert route(event(configuration_set="someone-else")) == {
        "results": [{"ignored": "from another SES configuration set"}]
    }
    assert get_store().get(ADDRESS).status == PENDING


def test_a_configuration_set_we_do_not_use_is_not_ours(subscribed, settings):
    """Sending without a configuration set, no notification naming one is ours."""
    settings.SES_CONFIGURATION_SET = ""
    assert route(event()) == {"results": [{"ignored": "from another SES configuration set"}]}
    assert get_store().get(ADDRESS).status == PENDING


def test_without_a_configured_topic_every_notification_fails_and_none_is_applied(subscribed, settings):
    """Unset (a deployment that forgot it): nothing can be trusted, so nothing is acted on;
    the invocation fails, so the notification is retried and then kept in the failed-records
    queue, to replay once the topic is set, and the errors alarm says so."""
    settings.SES_NOTIFICATIONS_TOPIC_ARN = ""
    with pytest.raises(RuntimeError, match="SES_NOTIFICATIONS_TOPIC_ARN is not set"):
        route(event())
    assert get_store().get(ADDRESS).status == PENDING
    settings.SES_NOTIFICATIONS_TOPIC_ARN = TOPIC
    route(event())
    assert get_store().get(ADDRESS).status == SUPPRESSED


def test_the_topic_comes_from_the_environment():
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.SES_NOTIFICATIONS_TOPIC_ARN)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(__file__).parents[2],
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "blog.settings",
            "SES_NOTIFICATIONS_TOPIC_ARN": TOPIC,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split()[-1] == TOPIC, result.stderr
