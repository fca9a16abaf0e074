"""The send rate: each container spaces its sends 1 / (NEWSLETTER_SEND_RATE /
NEWSLETTER_CONCURRENCY) seconds apart, on a clock the test holds (no timed test)."""

import pytest

from newsletter import sending


class Clock:
    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(sending.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(sending.time, "sleep", clock.sleep)
    return clock


def test_sends_are_spaced_by_the_containers_share_of_the_rate(clock, settings):
    settings.NEWSLETTER_SEND_RATE, settings.NEWSLETTER_CONCURRENCY = 14, 2
    pacer = sending.Pacer()
    assert sending.container_rate() == 7
    for _ in range(4):
        pacer.wait(sending.container_rate())
    assert clock.sleeps == [round(1 / 7, 6)] * 3, "the first goes at once"


def test_time_spent_elsewhere_counts(clock):
    pacer = sending.Pacer()
    pacer.wait(10)
    clock.now += 0.08  # rendering and SES's own latency
    pacer.wait(10)
    clock.now += 0.5  # a slow moment: no catching up in a burst afterwards
    pacer.wait(10)
    pacer.wait(10)
    assert clock.sleeps == [0.02, 0.1]


def test_rate_zero_is_unpaced(clock):
    pacer = sending.Pacer()
    for _ in range(3):
        pacer.wait(0)
    assert clock.sleeps == []
