"""Run as the logged-in user: the page /sys/me and the proxy method SystemInfo.run_as_me.

The browser picks from a fixed menu; it never sends a command line. Each runs with the user's own
system account (pycopia_www.runas, docs/runas.md), so it shows what that user may see, no more.
"""
from dataclasses import asdict

from pycopia_www.runas import RunAsRefused, run_as
from pycopia_www.web.identity import requires_login

from handlers.common import page

COMMANDS = {
    "id": ["id"],
    "home": ["ls", "-la", "."],
}
TIMEOUT = 5.0           # well inside the sys backend's request timeout
MAX_OUTPUT = 64 << 10


def run_command(username: str, command: str) -> dict:
    """Run COMMANDS[command] as username; the result as plain data. Raises RunAsRefused."""
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}: one of {', '.join(COMMANDS)}")
    return asdict(run_as(username, COMMANDS[command], timeout=TIMEOUT, max_output=MAX_OUTPUT))


@requires_login
def me(request):
    doc, content = page("Run as me", request)
    user = request.user.name
    content.add_paragraph(f"Commands below run as the system account {user!r}, "
                          "with its groups, in its home directory.")
    for command, title in (("id", "Who am I (id)"), ("home", "My home directory (ls -la)")):
        section = content.add_section(f"run-{command}")
        section.add_heading(2, title)
        try:
            result = run_command(user, command)
        except RunAsRefused as exc:
            section.add_paragraph(f"Refused: {exc.reason}", class_="refused")
            continue
        section.add_preformatted(result["stdout"] or "(no output)", class_="stdout")
        if result["stderr"]:
            section.add_preformatted(result["stderr"], class_="stderr")
        if result["returncode"] or result["timed_out"] or result["truncated"]:
            section.add_paragraph(f"exit status {result['returncode']}"
                                  + (", timed out" if result["timed_out"] else "")
                                  + (", output cut" if result["truncated"] else ""))
    content.add_paragraph().add_anchor(request.get_url("sys-home"), "System")
    return doc
