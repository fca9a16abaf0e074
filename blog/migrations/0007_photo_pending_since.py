from django.db import migrations, models
from django.db.models import F


def pending_since_upload(apps, schema_editor):
    # Photos already waiting have waited since their upload.
    Photo = apps.get_model("blog", "Photo")
    Photo.objects.filter(renditions_status="pending").update(pending_since=F("uploaded_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0006_post_search_document"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="pending_since",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="photo",
            name="render_attempts",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(pending_since_upload, migrations.RunPython.noop),
    ]
