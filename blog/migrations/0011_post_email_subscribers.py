"""The editor's "Email this post to subscribers" (newsletter/): on by default for posts still
to go live; off for posts readers have already seen (announced), so unpublishing and
republishing an old post never mails it to the whole list."""

from django.db import migrations, models


def untick_posts_already_seen(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    Post.objects.filter(announced_at__isnull=False).update(email_subscribers=False)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0010_editor_desk"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="email_subscribers",
            field=models.BooleanField(
                default=True,
                help_text="Sent once, when the post goes live (Publish now, or its scheduled time).",
                verbose_name="email this post to subscribers",
            ),
        ),
        migrations.RunPython(untick_posts_already_seen, migrations.RunPython.noop),
    ]
