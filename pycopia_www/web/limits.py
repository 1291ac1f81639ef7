"""What a request may carry. Beyond a limit the answer is 413 (431 for headers), never a crash.

A backend sets its own in its route module (`limits = Limits(max_body=...)`); a route may raise or
lower single limits with options of the same name: route(r"^/upload$", "...", max_body=200 << 20).
"""
from dataclasses import dataclass, fields, replace

KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class Limits:
    max_body: int = 10 * MiB         # whole request body (lighttpd's own cap is 16 MiB)
    max_fields: int = 1000           # fields in the query string, and in a form
    max_files: int = 20              # uploaded files in one multipart form
    max_field_bytes: int = 1 * MiB   # one form field that is not a file (held in memory)
    spool_bytes: int = 256 * KiB     # an upload larger than this goes to a temporary file
    max_header_bytes: int = 16 * KiB  # all request headers together
    upload_dir: str | None = None    # where upload files are spooled (None: $TMPDIR or /tmp)

    def with_options(self, options) -> "Limits":
        """These limits, overridden by the route options that name one."""
        changes = {f.name: options[f.name] for f in fields(self) if f.name in options}
        return replace(self, **changes) if changes else self


LIMIT_NAMES = frozenset(f.name for f in fields(Limits))


def check_limits(values: dict) -> str | None:
    """A problem with limit values given as a dict (from a route module or route options)."""
    for name, value in values.items():
        if name not in LIMIT_NAMES:
            return f"unknown limit {name!r} (known: {', '.join(sorted(LIMIT_NAMES))})"
        if name == "upload_dir":
            if value is not None and not isinstance(value, str):
                return "upload_dir must be a directory name or None"
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"{name} must be a non-negative integer, not {value!r}"
    return None
