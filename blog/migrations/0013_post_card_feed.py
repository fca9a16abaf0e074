"""Each post's feed item stored with its card (blog.cards). Every stored card is marked stale,
so the first list or feed that shows a post renders its feed item too: a card stored before
this migration could otherwise read as fresh with no feed item beside it."""

from django.db import migrations, models


def mark_every_card_stale(apps, schema_editor):
    apps.get_model("blog", "Post").objects.update(card_stamp="")


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0012_post_card_drop_site_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="card_feed",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(mark_every_card_stale, migrations.RunPython.noop),
    ]
