"""Who actually sends the email, chosen by settings.WELCOME_SENDER: SES (v2 API) in AWS,
Django's EMAIL_BACKEND on the embedded defaults (the console, plus a copy in the outbox
folder that a person or a browser test can open).

A sender returns the provider's message id, raises PermanentSendError when the address can
never be sent to, and lets anything else (throttling, outages, configuration) propagate: the
stream record then fails and is retried."""

import logging
import smtplib
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from common import aws

logger = logging.getLogger(__name__)


PERMANENT_CODES = ("MessageRejected", "BadRequestException")


class PermanentSendError(Exception):
    """The provider refused this address for good; retrying cannot help."""


def get_sender():
    return import_string(settings.WELCOME_SENDER)()


class SesSender:
    """SES v2 `SendEmail` with raw content: the simple form would drop our List-Unsubscribe
    headers, the raw form sends the MIME message exactly as built."""

    def send(self, message):
        from botocore.exceptions import ClientError

        params = {
            "FromEmailAddress": message.from_email,
            "Destination": {"ToAddresses": list(message.to)},
            "Content": {"Raw": {"Data": message.message().as_bytes(linesep="\r\n")}},
        }
        if settings.SES_CONFIGURATION_SET:
            params["ConfigurationSetName"] = settings.SES_CONFIGURATION_SET
        client = aws.client("sesv2", settings.SES_REGION or None)
        try:
            response = client.send_email(**params)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            text = error.response.get("Error", {}).get("Message", "")
            # "not verified" means our sender identity, or a recipient while the account is
            # in the SES sandbox: our configuration, not the reader's address. Retrying (and
            # then the on-failure queue) is right; marking the reader rejected is not.
            # BadRequestException is SES v2 refusing the request's content, and the only
            # content that differs between welcomes is the address.
            if code in PERMANENT_CODES and "not verified" not in text.lower():
                raise PermanentSendError(f"{code}: {text}") from error
            raise
        return response["MessageId"]


class LocalMailSender:
    """Through Django's EMAIL_BACKEND (the console by default), and a copy of the message as
    an .eml file in settings.WELCOME_OUTBOX_DIR when that is set."""

    def send(self, message):
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentSendError(str(error)) from error
        message_id = message.extra_headers["Message-ID"]
        outbox = settings.WELCOME_OUTBOX_DIR
        if outbox:
            self._write(Path(outbox), message)
        return str(message_id)

    def _write(self, folder, message):
        folder.mkdir(parents=True, exist_ok=True)
        from common.observe import subscriber_hash

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        # Named by the subscriber's hash, not the address: the name is printed in the log.
        path = folder / f"{stamp}-{subscriber_hash(message.to[0])}.eml"
        path.write_bytes(message.message().as_bytes())
        logger.info("Email written to %s", path)
