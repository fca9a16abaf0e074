"""Photo renditions: a pure Pillow core (images, naming) and the S3-event glue around it."""
