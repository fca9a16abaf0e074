"""Permissions on subscribers, who live outside Django's database (DynamoDB or the local store).

Django's permissions hang on a model, so this one exists only to carry them: unmanaged, no
table, never queried. Staff see subscribers only with `welcome.view_subscribers`, and export
them as CSV only with `welcome.export_subscribers` too; superusers have both."""

from django.db import models


class SubscriberList(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_subscribers", "Can see subscribers and their addresses"),
            ("export_subscribers", "Can export subscribers as CSV"),
        ]
        verbose_name = "subscriber list"

    def __str__(self):
        return "subscriber list"
