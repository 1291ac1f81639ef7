"""When a login attempt must wait before its password is even checked (docs/auth.md).

Three limits, none of them a lock of the account (anyone can send wrong passwords for `admin`):
- an address with max_failures_per_address failures (any names) within failure_window waits;
- an address with max_failures failures for one name waits, for that name only;
- a name with max_failures failures from anywhere backs off: each attempt from an address it has
  never logged in from waits 1, 2, 4 ... seconds (at most backoff_max) after the last failure.
  From the addresses the user logs in from, there is no wait at all.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class History:
    """Failed logins within the window, as seen by one attempt (itself not included)."""
    from_address: int           # from this address, for any name
    for_pair: int               # for this name from this address
    for_name: int               # for this name from any address
    last_for_name: float | None  # when the last of those was
    known_address: bool         # this name has logged in from this address before


def wait(history: History, settings, now: float) -> float:
    """Seconds before this attempt may be made (0: go ahead). `settings`: the [auth] table."""
    if history.from_address >= settings.max_failures_per_address or \
            history.for_pair >= settings.max_failures:
        return settings.failure_window
    excess = history.for_name - settings.max_failures
    if excess < 0 or history.known_address or history.last_for_name is None:
        return 0.0
    delay = min(2.0 ** excess, settings.backoff_max)
    return max(0.0, history.last_for_name + delay - now)
