"""The POST policy of a direct upload, as S3 checks it, for the local endpoint that plays S3
on the embedded defaults.

S3's browser-based upload (a presigned POST): the form carries the object's key, its fields, a
base64 JSON *policy* (an expiry and conditions on every field and on the size) and a signature
of that policy. S3 checks the signature, then the expiry, then each condition, and refuses any
form field no condition covers. Here the signature is an HMAC-SHA256 of the policy with a key
derived from SECRET_KEY (S3 uses SigV4 with the signer's AWS secret); everything else is
checked the same way, and refusals carry S3's error codes and messages, so the admin's
browser code reads both the same.

Nothing here touches storage: `verify` says whether a form may store its file, and where.
"""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils.crypto import constant_time_compare, salted_hmac

ALGORITHM = "BLOG-HMAC-SHA256"
_SALT = "blog.upload_policy"
# Fields S3 never asks a condition for: the policy and its signature, and the file itself.
_UNCHECKED = {"policy", "x-amz-signature", "file"}


@dataclass
class PolicyRefused(Exception):
    """S3's answer to a form it refuses: HTTP status, error code and message."""

    status: int
    code: str
    message: str

    def __str__(self):
        return f"{self.code}: {self.message}"

    def as_xml(self) -> str:
        from xml.sax.saxutils import escape

        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message></Error>"
        )


def sign(policy: dict) -> dict:
    """The form fields that carry `policy` (besides the fields it names): the base64 policy,
    the algorithm and the signature."""
    encoded = base64.b64encode(json.dumps(policy, separators=(",", ":")).encode()).decode()
    return {"policy": encoded, "x-amz-algorithm": ALGORITHM, "x-amz-signature": _signature(encoded)}


def policy_document(bucket: str, conditions: list, expires_in: int, now: datetime | None = None) -> dict:
    """The policy S3 reads: an expiry (ISO 8601, UTC) and the conditions, the bucket's first."""
    expiry = (now or datetime.now(UTC)) + timedelta(seconds=expires_in)
    return {
        "expiration": expiry.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conditions": [{"bucket": bucket}, *conditions, {"x-amz-algorithm": ALGORITHM}],
    }


def _signature(encoded_policy: str) -> str:
    return salted_hmac(_SALT, encoded_policy, algorithm="sha256").hexdigest()


def verify(fields: dict, size: int, bucket: str, now: datetime | None = None) -> str:
    """The key the form may store its `size`-byte file under; PolicyRefused if S3 would
    refuse it. `fields` are the form's fields (the file aside), one value each."""
    encoded = fields.get("policy", "")
    signature = fields.get("x-amz-signature", "")
    if not encoded or not signature:
        raise PolicyRefused(403, "AccessDenied", "Bucket POST must contain a policy and a signature.")
    if not constant_time_compare(signature, _signature(encoded)):
        raise PolicyRefused(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
        expiry = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        conditions = list(policy["conditions"])
    except (ValueError, KeyError, TypeError) as exc:
        raise PolicyRefused(400, "InvalidPolicyDocument", f"Invalid Policy: {exc}") from None
    if (now or datetime.now(UTC)) >= expiry:
        raise PolicyRefused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    return check_conditions(conditions, fields, size, bucket)


def check_conditions(conditions: list, fields: dict, size: int, bucket: str) -> str:
    """Hold the form `fields` and its `size`-byte file against a policy's `conditions` as S3
    does (every field covered, every condition met); returns the key, or PolicyRefused."""
    values = {name.lower(): value for name, value in fields.items()}
    values["bucket"] = bucket
    covered = {"bucket"}
    for condition in conditions:
        covered.add(_check(condition, values, size))
    extra = sorted(
        name
        for name in values
        if name not in covered and name not in _UNCHECKED and not name.startswith("x-ignore-")
    )
    if extra:
        raise PolicyRefused(
            403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}"
        )
    if "key" not in values:
        raise PolicyRefused(400, "InvalidArgument", "Bucket POST must contain a field named 'key'.")
    return values["key"]


def _check(condition, values: dict, size: int) -> str:
    """Check one condition; returns the field it covers ("" for the size)."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, expected),) = condition.items()
        operator, name = "eq", f"${name}"
    elif isinstance(condition, list) and len(condition) == 3:
        operator, name, expected = condition
    else:
        raise PolicyRefused(400, "InvalidPolicyDocument", f"Invalid Policy: bad condition {condition!r}")
    if operator == "content-length-range":
        low, high = int(name), int(expected)
        if size > high:
            raise PolicyRefused(
                400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
            )
        if size < low:
            raise PolicyRefused(
                400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
            )
        return ""
    field = str(name).removeprefix("$").lower()
    actual = values.get(field, "")
    if (operator == "eq" and actual != expected) or (
        operator == "starts-with" and not str(actual).startswith(str(expected))
    ):
        raise PolicyRefused(
            403,
            "AccessDenied",
            f"Invalid according to Policy: Policy Condition failed: {json.dumps([operator, name, expected])}",
        )
    if operator not in ("eq", "starts-with"):
        raise PolicyRefused(400, "InvalidPolicyDocument", f"Invalid Policy: unknown operator {operator!r}")
    return field
