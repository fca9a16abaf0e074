"""One newsletter send per post (the post is its key)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("blog", "0011_post_email_subscribers"),
    ]

    operations = [
        migrations.CreateModel(
            name="Newsletter",
            fields=[
                (
                    "post",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="newsletter",
                        serialize=False,
                        to="blog.post",
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("fanned_out_at", models.DateTimeField(blank=True, null=True)),
                ("recipients", models.PositiveIntegerField(default=0)),
                ("sent", models.PositiveIntegerField(default=0)),
                ("failed", models.IntegerField(default=0)),
                ("skipped", models.PositiveIntegerField(default=0)),
                ("suppressed", models.PositiveIntegerField(default=0)),
            ],
            options={"verbose_name": "newsletter"},
        ),
    ]
