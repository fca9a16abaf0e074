"""Keeps subscribers' addresses and the tokens of confirm and unsubscribe links out of logs.

A leaf: no Django, nothing of ours. `redact` serves `observe` (our own outcome lines) and
`RedactFilter` serves the logging configuration, where it sits on every handler, so Django's
own lines pass through it too: `Bad Request: /confirm/<token>/`, the dev server's request
lines, a traceback whose message quotes an address SES refused. A token is a signed base64
payload that carries the address; a masked address still names its domain. Both go."""

import logging
import re

# The path segment after /confirm/ or /unsubscribe/, wherever the path appears in a line.
_TOKEN_PATH = re.compile(r"(/(?:confirm|unsubscribe)/)[^/\s\"'?#]+")
# Anything shaped like an address: a local part, @, a dotted domain. Every part is bounded (as
# addresses are), so a long line costs linear time, never a backtracking blow-up.
_ATOM = r"[^\s@<>()\[\]\"',;:.]"
_ADDRESS = re.compile(rf"[^\s@<>()\[\]\"',;:]{{1,64}}@{_ATOM}{{1,63}}(?:\.{_ATOM}{{1,63}}){{1,8}}")
ELIDED = "…"
ADDRESS = "<address>"


def redact(text):
    """`text` without link tokens or email addresses."""
    if "@" not in text and "/confirm/" not in text and "/unsubscribe/" not in text:
        return text  # the common case, at the cost of three substring checks
    return _ADDRESS.sub(ADDRESS, _TOKEN_PATH.sub(r"\1" + ELIDED, text))


class RedactFilter(logging.Filter):
    """Rewrites each record's message (and its traceback's text) with `redact`; keeps every
    record, so nothing is silenced, only blanked."""

    _formatter = logging.Formatter()

    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
