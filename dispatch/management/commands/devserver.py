"""`make run`'s server: runserver (with static files and the one-minute schedules, see
dispatch/management/commands/runserver.py), then the editor's login as the last thing on the
screen, where a newcomer looks, and not above the server's own start-up lines. The password is
the one `seed_demo` made and keeps in var/editor-password.txt."""

from django.conf import settings

from blog.management.commands.seed_demo import EDITOR_USERNAME
from dispatch.management.commands.runserver import Command as RunServer


class Command(RunServer):
    help = "runserver, then the local editor's login (make run)."

    def on_bind(self, server_port):
        super().on_bind(server_port)
        credentials = settings.VAR_DIR / "editor-password.txt"
        if not credentials.exists():
            return
        host = "127.0.0.1" if self.addr in ("0", "0.0.0.0") else self.addr  # noqa: S104 (a URL to show)
        lines = [
            f"The site:   {self.protocol}://{host}:{server_port}/",
            f"The admin:  {self.protocol}://{host}:{server_port}/admin/",
            f"User:       {EDITOR_USERNAME}",
            f"Password:   {credentials.read_text().strip()}",
        ]
        width = max(map(len, lines)) + 2
        box = [
            "+" + "-" * width + "+",
            *(f"| {line.ljust(width - 2)} |" for line in lines),
            "+" + "-" * width + "+",
        ]
        self.stdout.write("\n" + "\n".join(box) + "\n", self.style.SUCCESS)
