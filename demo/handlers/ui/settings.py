"""The demo appliance's settings: one dataclass is the form, the checks and the stored file."""
from dataclasses import dataclass, field

from pycopia_www.ui.settings import SettingsStore

ROLLBACK_SECONDS = 30          # "Apply" undoes itself after this long unless confirmed


@dataclass
class DemoSettings:
    site_name: str = field(default="pycopia-www appliance", metadata={
        "label": "Site name", "min_length": 1, "max_length": 60,
        "help": "Shown in the header of every page."})
    refresh_seconds: int = field(default=1, metadata={
        "label": "Publish the status every (seconds)", "min": 1, "max": 3600,
        "help": "The home page's status panel is pushed (handlers/ui/live.py) this often."})
    motd: str = field(default="", metadata={
        "label": "Message of the day", "widget": "textarea", "max_length": 200,
        "help": "Shown on the home page; leave it empty for none."})


def applied(new: DemoSettings, old: DemoSettings) -> None:
    """Where a real appliance makes settings take effect (rewrite a config file, restart a
    service: see docs/ui.md). The demo's pages read the store on every request: nothing to do."""


# In this backend's private state directory (its working directory).
store = SettingsStore(DemoSettings, "settings.json", on_apply=applied)
