"""The newsletter's side of the blog's publishing signal (blog.publishing)."""

from django.dispatch import receiver

from blog.publishing import post_published
from newsletter.services import start_newsletter


@receiver(post_published)
def start_when_published(sender, post, **kwargs):
    start_newsletter(post)
