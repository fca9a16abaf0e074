"""The editor's desk: photos in a post's body (PostPhoto, protected from deletion), old slugs
that redirect (OldSlug), covers that are protected and never a failed photo, and existing
bodies rendered again so their fenced code is highlighted."""

import django.db.models.deletion
from django.db import migrations, models


def render_bodies_again(apps, schema_editor):
    # Today's renderer (highlighting); no existing body can refer to a photo yet.
    from blog.markdown import render_markdown

    Post = apps.get_model("blog", "Post")
    for post in Post.objects.only("pk", "body", "body_html").iterator(chunk_size=200):
        html = render_markdown(post.body)
        if html != post.body_html:
            Post.objects.filter(pk=post.pk).update(body_html=html)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0009_photo_direct_upload"),
    ]

    operations = [
        migrations.AlterField(
            model_name="post",
            name="cover",
            field=models.ForeignKey(
                blank=True,
                limit_choices_to=models.Q(("renditions_status", "failed"), _negated=True),
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="covered_posts",
                to="blog.photo",
            ),
        ),
        migrations.CreateModel(
            name="OldSlug",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=200, unique=True)),
                ("retired_at", models.DateTimeField(auto_now=True)),
                (
                    "post",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="old_slugs", to="blog.post"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="PostPhoto",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "photo",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="blog.photo"
                    ),
                ),
                (
                    "post",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="blog.post"
                    ),
                ),
            ],
            options={
                "verbose_name": "photo in a post's body",
            },
        ),
        migrations.AddField(
            model_name="post",
            name="body_photos",
            field=models.ManyToManyField(
                blank=True,
                editable=False,
                related_name="shown_in_posts",
                through="blog.PostPhoto",
                to="blog.photo",
            ),
        ),
        migrations.AddConstraint(
            model_name="postphoto",
            constraint=models.UniqueConstraint(fields=("post", "photo"), name="post_photo_unique"),
        ),
        migrations.RunPython(render_bodies_again, migrations.RunPython.noop, elidable=True),
    ]
