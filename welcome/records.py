"""Which stream records ask for a welcome. Pure functions over the record's JSON: no Lambda,
no AWS, no Django.

Only an INSERT of a pending entry written in this function's own region sends. With a global
table every replica's stream sees every insert, and only the writer's region may send.
MODIFY (our own claims and status changes), REMOVE (including TTL expiry) and KEYS_ONLY or
OLD_IMAGE records (no NewImage) send nothing. Neither does anything that is not our item
shape, nor an address the app could never have stored (a hand-written item holding a line
break, say): such a record can never succeed, so it must not be reported as failed (it would
be retried until it expired, then land in the failed-records queue)."""

from welcome.addresses import InvalidAddress, normalise

TTL_PRINCIPAL = "dynamodb.amazonaws.com"


def _string(image, name):
    value = image.get(name) if isinstance(image, dict) else None
    if isinstance(value, dict) and isinstance(value.get("S"), str):
        return value["S"]
    return None


def is_ttl_removal(record):
    identity = record.get("userIdentity")
    return (
        isinstance(identity, dict)
        and identity.get("type") == "Service"
        and identity.get("principalId") == TTL_PRINCIPAL
    )


def welcome_address(record, own_region):
    """(address, reason): the address to welcome for this stream record, or (None, why not)."""
    if not isinstance(record, dict):
        return None, "not a JSON object"
    event_name = record.get("eventName")
    if event_name != "INSERT":
        if is_ttl_removal(record):
            return None, "TTL expiry sends nothing"
        return None, f"{event_name} records send nothing"
    change = record.get("dynamodb")
    image = change.get("NewImage") if isinstance(change, dict) else None
    if not isinstance(image, dict):
        return None, "no NewImage (a KEYS_ONLY or OLD_IMAGE stream)"
    email = _string(image, "email")
    if email is None or _string(change.get("Keys"), "email") != email:
        return None, "not a subscriber item"
    status = _string(image, "status")
    if status != "pending":
        return None, f"status is {status!r}, not 'pending'"
    region = _string(image, "region")
    if region != own_region:
        return None, f"written in {region!r}; this function runs in {own_region!r}"
    if not _stored_form(email):
        return None, "the address is not one the app stores (malformed, or not normalised)"
    return email, "a new pending subscriber"


def _stored_form(email):
    """True if `email` is an address exactly as `welcome.services.subscribe` stores it."""
    try:
        return normalise(email) == email
    except InvalidAddress:
        return False


def sequence_number(record):
    change = record.get("dynamodb") if isinstance(record, dict) else None
    value = change.get("SequenceNumber") if isinstance(change, dict) else None
    return value if isinstance(value, str) and value else None


def reason_code(reason):
    """`welcome_address`'s reason as one of a few fixed values, fit for a metric dimension."""
    if reason.startswith("written in "):
        return "other_region"
    if reason.startswith("TTL") or reason.endswith("records send nothing"):
        return "not_insert"
    return "not_a_welcome"
