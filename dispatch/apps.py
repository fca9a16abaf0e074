from django.apps import AppConfig


class DispatchConfig(AppConfig):
    """The top floor as a Django app: its commands (`replay_failed`, `run_schedules`, and
    `runserver`, which runs the one-minute schedules beside the server on the embedded
    defaults; listed before django.contrib.staticfiles, whose `runserver` it extends), and the
    local delivery of events, registered when the app starts."""

    name = "dispatch"
    verbose_name = "Events"

    def ready(self):
        # The domain builds AWS-shaped events where nothing else would deliver them; this
        # delivers them through the router (common.events), keeping the domain below it.
        from common import events
        from dispatch.local import deliver_here

        events.set_local_deliverer(deliver_here)
