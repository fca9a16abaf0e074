"""Each post's card and API list item stored with it (blog.cards), and the site version gone
with the page cache it keyed. Existing posts start with no stamp: the first list that shows
one renders its card and item and stores them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0011_post_email_subscribers"),
    ]

    operations = [
        migrations.DeleteModel(
            name="SiteVersion",
        ),
        migrations.AddField(
            model_name="post",
            name="card_html",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="post",
            name="card_json",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="post",
            name="card_stamp",
            field=models.CharField(default="", editable=False, max_length=20),
        ),
    ]
