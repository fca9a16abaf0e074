"""The welcome email: HTML and plain text from templates, with RFC 8058 one-click unsubscribe.

Links are built from settings.SITE_URL (the readers' address), never from a request's host:
the email is made in the stream handler, where there is no request."""

from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from welcome import tokens


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def confirm_url(email, entry):
    return absolute(reverse("welcome:confirm", args=[tokens.confirm_token(email, entry)]))


def unsubscribe_url(email):
    return absolute(reverse("welcome:unsubscribe", args=[tokens.unsubscribe_token(email)]))


def build_welcome_message(email, entry):
    """The message for the entry for `email` created at `entry`, ready for any sender (SES
    raw, or a Django mail backend)."""
    context = {
        "email": email,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "site_description": settings.SITE_DESCRIPTION,
        "confirm_url": confirm_url(email, entry),
        "unsubscribe_url": unsubscribe_url(email),
        "confirm_days": settings.WELCOME_CONFIRM_DAYS,
    }
    subject = " ".join(render_to_string("welcome/email/subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("welcome/email/welcome.txt", context),
        from_email=settings.WELCOME_FROM_EMAIL,
        to=[email],
        headers={
            # RFC 8058: mail providers POST `List-Unsubscribe=One-Click` to this URL, with no
            # cookie and no CSRF token; the link is also in the body for everyone else.
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # Made once here, so the console, the outbox copy and our records agree (Django
            # would make a new one, after a DNS lookup for this host, each time it renders).
            "Message-ID": make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost"),
        },
    )
    message.attach_alternative(render_to_string("welcome/email/welcome.html", context), "text/html")
    return message
