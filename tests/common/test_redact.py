"""The log filter's text rule: addresses and confirm/unsubscribe tokens are blanked, the rest of
a line is kept."""

import logging

import pytest

from common.redact import RedactFilter, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Bad Request: /confirm/eyJlbWFpbCI6ImEifQ:1x:sig/", "Bad Request: /confirm/…/"),
        ('"GET /unsubscribe/ImFAYi5jIg:1x:sig/ HTTP/1.1" 200 12', '"GET /unsubscribe/…/ HTTP/1.1" 200 12'),
        ("SES refused jane.doe+news@mail.example.co.uk, retrying", "SES refused <address>, retrying"),
        ("(got 'a@b.com: c@d.org' for header 'To')", "(got '<address>: <address>' for header 'To')"),
        ("GET /posts/hello/ 200", "GET /posts/hello/ 200"),
        ("user@localhost has no dot after the @", "user@localhost has no dot after the @"),
    ],
)
def test_redact(line, expected):
    assert redact(line) == expected


def test_a_very_long_line_is_still_redacted():
    line = "x" * 100_000 + " jane@example.com " + "y@" * 50_000
    assert "jane@example.com" not in redact(line)


def test_the_filter_rewrites_message_arguments_and_tracebacks():
    try:
        raise ValueError("no mailbox jane@example.com")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "Not Found: %s", ("/confirm/abc:1:z/",), sys.exc_info()
        )
    assert RedactFilter().filter(record) is True
    assert record.getMessage() == "Not Found: /confirm/…/"
    assert "jane@example.com" not in record.exc_text and "<address>" in record.exc_text
