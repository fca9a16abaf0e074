"""What a stage needs from the account besides its stacks: the secrets in SSM (generated once,
never typed, never overwritten), the SES identity it sends as, and the state of its
certificate. CloudFormation cannot make SecureString parameters, and an SES identity is the
account's (two stages may send from one domain), so these are made through the APIs."""

import secrets

import boto3
from botocore.exceptions import ClientError

# name under /<project>/<stage>/ -> (type, how to make its value). The function loads these
# (and database-url, origin-verify-previous when they exist) at start-up (blog/ssm.py):
# secret-key is SECRET_KEY...
GENERATED_PARAMETERS = {
    "secret-key": ("SecureString", lambda: secrets.token_urlsafe(50)),
    "log-hash-salt": ("SecureString", lambda: secrets.token_urlsafe(24)),
    # A String: the edge stack reads it (CloudFormation cannot read a SecureString parameter).
    "origin-verify": ("String", lambda: secrets.token_urlsafe(32)),
}


def prefix(stage):
    return f"/{stage['project']}/{stage['name']}/"


def ensure_parameters(stage):
    """Make each missing parameter with a fresh random value. Returns the names it made."""
    ssm = boto3.client("ssm", region_name=stage["region"])
    made = []
    for name, (kind, value) in GENERATED_PARAMETERS.items():
        try:
            ssm.put_parameter(Name=prefix(stage) + name, Type=kind, Value=value(), Overwrite=False)
            made.append(name)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ParameterAlreadyExists":
                raise
    return made


def ensure_sender(stage):
    """The SES domain identity the stage sends as: (made now?, verified?, [DNS records to add])."""
    ses = boto3.client("sesv2", region_name=stage["region"])
    domain = stage["sender_domain"]
    made = False
    try:
        identity = ses.get_email_identity(EmailIdentity=domain)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
        ses.create_email_identity(EmailIdentity=domain)
        identity = ses.get_email_identity(EmailIdentity=domain)
        made = True
    verified = bool(identity.get("VerifiedForSendingStatus"))
    records = []
    if not verified:
        records = [
            f"CNAME {token}._domainkey.{domain} -> {token}.dkim.amazonses.com"
            for token in identity.get("DkimAttributes", {}).get("Tokens", [])
        ]
    return made, verified, records


def sending_limited(stage):
    """True while the account is in SES's sandbox (it sends only to verified addresses)."""
    ses = boto3.client("sesv2", region_name=stage["region"])
    try:
        return not ses.get_account().get("ProductionAccessEnabled", False)
    except ClientError:
        return False


def certificate(arn):
    """(status, [DNS records to add]) of an ACM certificate in us-east-1."""
    acm = boto3.client("acm", region_name="us-east-1")
    described = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    records = [
        f"{o['ResourceRecord']['Type']} {o['ResourceRecord']['Name']} -> {o['ResourceRecord']['Value']}"
        for o in described.get("DomainValidationOptions", [])
        if o.get("ResourceRecord") and o.get("ValidationStatus") != "SUCCESS"
    ]
    return described["Status"], records
