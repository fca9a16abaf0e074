from django.apps import AppConfig


class DispatchConfig(AppConfig):
    """The top floor as a Django app only for its commands: `replay_failed`, `run_schedules`,
    and `runserver`, which runs the one-minute schedules beside the server on the embedded
    defaults. Listed before django.contrib.staticfiles, whose `runserver` it extends."""

    name = "dispatch"
    verbose_name = "Events"
