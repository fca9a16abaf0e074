"""The newsletter email for one reader: the post's title as the subject, HTML and plain text
from templates, and RFC 8058 one-click unsubscribe (the same signed link and view as the
welcome's: welcome.tokens, welcome.views.unsubscribe)."""

from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from welcome.emails import unsubscribe_url


def build_newsletter_message(content, email):
    """The message telling `email` about the post `content` (newsletter.content.Content)."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    context = {
        "post": content,
        "email": email,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "site_description": settings.SITE_DESCRIPTION,
        "unsubscribe_url": unsubscribe_url(email),
    }
    message = EmailMultiAlternatives(
        subject=content.title,
        body=render_to_string("newsletter/email/post.txt", context),
        from_email=settings.NEWSLETTER_FROM_EMAIL or settings.WELCOME_FROM_EMAIL,
        to=[email],
        headers={
            # RFC 8058: mail providers POST `List-Unsubscribe=One-Click` here, with no cookie.
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # RFC 2919: readers' mail clients file and filter the list by it.
            "List-Id": f"{settings.SITE_NAME} <newsletter.{host}>",
            "Message-ID": make_msgid(domain=host),
        },
    )
    message.attach_alternative(render_to_string("newsletter/email/post.html", context), "text/html")
    return message
