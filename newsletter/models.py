"""One newsletter send per post: created (the claim) in the transaction that makes the post
visible, so two schedule runs or two editors can never both start one; its counters are kept
by the queue handler and shown on the post's admin page."""

from django.db import models
from django.db.models import F


class Newsletter(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    # The post's own key: a second send for the post is a second row with the same key, which
    # the database refuses.
    post = models.OneToOneField(
        "blog.Post", on_delete=models.CASCADE, primary_key=True, related_name="newsletter"
    )
    started_at = models.DateTimeField()
    # When the last page of subscribers was put on the queue.
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    # Confirmed subscribers put on the queue; each ends sent, failed or skipped.
    recipients = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    # Refused for good by SES, or given up after the queue's retries (in the failed-records
    # queue; a replay that sends it moves it back to `sent`).
    failed = models.IntegerField(default=0)
    # Queued, then unsubscribed or suppressed before their email went: nothing was sent.
    skipped = models.PositiveIntegerField(default=0)
    # On the suppression list when the list was read (bounced or complained): never queued.
    suppressed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "newsletter"

    def __str__(self):
        return f"newsletter of post {self.post_id}"

    @property
    def suppressed_total(self):
        return self.suppressed + self.skipped

    @property
    def state(self):
        if self.fanned_out_at and self.sent + self.failed + self.skipped >= self.recipients:
            return self.State.SENT
        return self.State.SENDING if self.recipients or self.suppressed else self.State.QUEUED

    @property
    def state_label(self):
        return self.State(self.state).label

    @property
    def summary(self):
        if self.state == self.State.QUEUED:
            return "waiting for its turn on the queue."
        waiting = max(self.recipients - self.sent - self.failed - self.skipped, 0)
        text = f"{self.sent} of {self.recipients} subscriber(s) emailed"
        if waiting or not self.fanned_out_at:
            text += f"; {waiting} still to go" + ("" if self.fanned_out_at else ", more being queued")
        return text + "."

    @classmethod
    def count(cls, post_id, **changes):
        """Add to the counters of `post_id`'s newsletter in one UPDATE (concurrent batches
        each add their own); `fanned_out_at=` sets that time too."""
        values = {name: F(name) + n for name, n in changes.items() if name != "fanned_out_at" and n}
        if changes.get("fanned_out_at"):
            values["fanned_out_at"] = changes["fanned_out_at"]
        if values:
            cls.objects.filter(post_id=post_id).update(**values)
