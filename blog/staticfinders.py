"""Static file finders for the development server that answer 404, not 500, for a path that
climbs out of the static folders (`/static/../settings.py`).

Django's finders raise SuspiciousFileOperation for such a path, and the development server's
static handler turns only a 404 into an answer: the rest become a 500 with a traceback. In AWS
CloudFront serves /static/ from S3 and never asks the app."""

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation


class _Contained:
    def find(self, path, *args, **kwargs):
        try:
            return super().find(path, *args, **kwargs)
        except SuspiciousFileOperation:
            return []  # "nothing here", as Django's finders say it


class FileSystemFinder(_Contained, finders.FileSystemFinder):
    pass


class AppDirectoriesFinder(_Contained, finders.AppDirectoriesFinder):
    pass
