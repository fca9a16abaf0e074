"""What the blog tells the rest of the platform when a post goes live, as a Django signal: the
newsletter (`newsletter/`) listens, and `blog` imports nothing of it.

`post_published(sender=Post, post=post)` is sent when a post becomes visible to readers at a
new publish time: "Publish now" (the post's page or the list's bulk action, both through
`blog.services`), a save that finds a scheduled post already due, and the minute schedule
announcing one (`blog.tasks.publish_due_posts`). It is sent inside the transaction that makes
the post visible, so a receiver's write commits or rolls back with it; a receiver that cannot
do its part raises PublishingFailed, and the post stays unpublished (the schedule tries again
the next minute; an editor is told why)."""

from django.dispatch import Signal

post_published = Signal()


class PublishingFailed(Exception):
    """Something that must happen with the publishing could not: nothing was published.
    `str(error)` is a message fit for the editor."""
