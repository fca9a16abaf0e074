"""Addresses are validated without DNS, normalised to one stored form, and refused with a
message a reader can act on."""

import pytest

from welcome.addresses import InvalidAddress, mask, normalise


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("jane@example.com", "jane@example.com"),
        ("  Jane.Doe@Example.COM \n", "jane.doe@example.com"),
        ("jane@bücher.de", "jane@xn--bcher-kva.de"),
        ("jane@BÜCHER.de", "jane@xn--bcher-kva.de"),
        ("jane@xn--bcher-kva.de", "jane@xn--bcher-kva.de"),
        ("jane+news@sub.example.co.uk", "jane+news@sub.example.co.uk"),
    ],
)
def test_addresses_are_normalised(raw, stored):
    """The domain is lower-cased and an internationalised domain becomes punycode; the local
    part keeps its case."""
    assert normalise(raw) == stored


def test_no_dns_lookup_is_made(monkeypatch):
    """A domain with no mail server is accepted: nothing is looked up while the reader waits."""
    import dns.resolver

    def refuse(*args, **kwargs):
        raise AssertionError("DNS lookup made")

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", refuse)
    assert normalise("someone@no-such-domain-for-sure.example") == "someone@no-such-domain-for-sure.example"


def test_non_ascii_local_part_is_refused_with_a_clear_message():
    """SES cannot send to an internationalised mailbox name: the reader is told so."""
    with pytest.raises(InvalidAddress, match="non-ASCII letters before the @") as caught:
        normalise("jürgen@example.com")
    assert "cannot receive our email" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "Enter your email address"),
        ("   ", "Enter your email address"),
        (None, "Enter your email address"),
        (42, "Enter your email address"),
        ("jane", "must have an @-sign"),
        ("jane@localhost", "should have a period"),
        ("jane@@example.com", "doesn't look like an email address"),
        ('"jane doe"@example.com', "doesn't look like an email address"),
        ("jane@[127.0.0.1]", "doesn't look like an email address"),
        ("a" * 250 + "@example.com", "too long"),
        ("a" * 65 + "@example.com", "too long before the @-sign"),  # RFC 5321: 64 at most
    ],
)
def test_invalid_addresses_are_refused_with_a_message(raw, says):
    with pytest.raises(InvalidAddress, match=says):
        normalise(raw)


def test_mask_keeps_addresses_out_of_logs():
    """Log lines name a subscriber by the structured lines' hash: neither the address nor its
    domain, and the same hash in both kinds of line."""
    from common.observe import subscriber_hash

    assert mask("jane@example.com") == f"subscriber {subscriber_hash('jane@example.com')}"
    assert "example" not in mask("jane@example.com")
