"""The site version: one row, made here, that `blog.versioning` bumps on every content change."""

from django.db import migrations, models

SITE_VERSION_PK = 1


def create_row(apps, schema_editor):
    apps.get_model("blog", "SiteVersion").objects.get_or_create(pk=SITE_VERSION_PK)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0003_post_announced_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="SiteVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "site version",
            },
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
