"""The rehearsal: the packaged function run the way AWS runs it, under its own role with IAM
enforced, against resources made by the project's own templates (see test_rehearsal.py)."""
