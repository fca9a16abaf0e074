"""Email addresses as readers type them, validated and normalised to the one form we store.

email-validator does the RFC work; no DNS lookup is made (the reader is waiting, and a
mistyped domain is caught by the confirmation email never arriving). The whole address is
lower-cased: RFC 5321 lets a local part's case matter, but no mail service in use makes it
matter, and keeping it would make `Jane@` and `jane@` two subscribers (two welcomes, and a
suppression dodged by a capital letter). An internationalised domain is stored in punycode
(IDNA), which is what SES accepts."""

MAX_LENGTH = 254


class InvalidAddress(ValueError):
    """An address we cannot accept; `str(error)` is a message fit for the reader."""


def normalise(raw):
    """The stored form of `raw` (`local@example.com`, `jane@xn--bcher-kva.de`), or
    InvalidAddress saying what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidAddress("Enter your email address.")
    address = raw.strip()
    if len(address) > MAX_LENGTH:
        raise InvalidAddress(
            f"That address is too long: an email address has at most {MAX_LENGTH} characters."
        )
    local_part = address.rpartition("@")[0]
    if not local_part.isascii():
        # SES cannot send to SMTPUTF8 mailboxes; say so rather than fail later in the stream.
        raise InvalidAddress(
            "Addresses with non-ASCII letters before the @ (such as ü or é) cannot receive our "
            "email: our mail service does not support them. Please use another address."
        )
    # Imported here, not at the top: it (with idna) is ~20 ms of every cold start otherwise.
    from email_validator import EmailNotValidError, validate_email

    try:
        # strict: RFC 5321's length limits too (64 characters before the @), which SES enforces.
        result = validate_email(address, check_deliverability=False, allow_smtputf8=False, strict=True)
    except EmailNotValidError as error:
        raise InvalidAddress(f"That doesn't look like an email address. {error}") from None
    return f"{result.local_part}@{result.ascii_domain}".lower()


def mask(email):
    """`subscriber 1f2e3d4c5b6a7988`: the address as log lines name it, by the same salted
    hash as the structured lines' `subscriber_hash`, so one subscriber can be followed through
    both without the address (nor its domain) being written down."""
    from common.observe import subscriber_hash

    return f"subscriber {subscriber_hash(email)}"
