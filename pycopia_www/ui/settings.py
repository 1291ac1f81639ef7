"""Settings that survive and roll back: a dataclass schema stored atomically in one JSON file,
read through the schema, and changed either for good (save) or on probation (apply with
rollback, as OpenWrt's LuCI does for changes that can lock a user out).

    store = SettingsStore(NetSettings, "settings.json", on_apply=rewrite_and_restart)
    current = store.load()                          # a NetSettings (defaults for what is unset)
    store.save({"port": "8443"})                    # checked by the schema, then for good
    pending = store.apply({"port": "8443"}, rollback_after=60)
    store.confirm(pending.token)                    # in time: the change stays
    # no confirm within 60 s: the previous values come back, and on_apply runs again with them

`on_apply(new, old)` is the application's hook: it makes values take effect (rewrite a config
file, restart a service). It runs on save, on apply and on a revert (then `new` is what was
restored). If it raises during save or apply, the previous values are put back and the error
goes to the caller: nothing stays half-applied.

The revert does not wait for a request: apply() starts a small watcher process (forked, detached
from the request) that sleeps until the deadline and reverts unless the change was confirmed.
Should the watcher not run (the machine restarted), the first load() after the deadline reverts.
Every write is temp file + fsync + rename + fsync of the directory, under a lock file, so a
reader never sees half a file and two workers never interleave.
"""
import dataclasses
import fcntl
import json
import logging
import os
import secrets
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .schema import FieldError, Schema, dataclass_schema

log = logging.getLogger("pycopia_www.ui.settings")
MAX_ROLLBACK = 3600.0


class SettingsError(ValueError):
    """Values that do not fit the schema; .errors maps field names to messages."""

    def __init__(self, errors: dict, schema: Schema):
        self.errors = errors            # field name (None: the whole form) -> message
        super().__init__("; ".join(f"{schema[k].label}: {v}" if k else v for k, v in errors.items()))


@dataclass(frozen=True)
class Pending:
    """A change applied on probation: confirm(token) before `deadline` (time.time()) keeps it."""
    token: str
    deadline: float

    @property
    def remaining(self) -> float:
        return max(0.0, self.deadline - time.time())


class SettingsStore:
    """`path` holds the settings (a JSON object, field by field); `path`.pending exists only
    while an applied change waits for its confirmation (token, deadline, previous values)."""

    def __init__(self, schema_class, path, *, on_apply: Callable | None = None,
                 schema: Schema | None = None):
        self.cls = schema_class
        self.schema = schema or dataclass_schema(schema_class)
        self.path = Path(path)
        self.pending_path = self.path.with_name(self.path.name + ".pending")
        self.on_apply = on_apply

    # -- reading --------------------------------------------------------------------------------

    def load(self):
        """The current settings (an instance of the schema's class, defaults for what was never
        set). A change whose deadline has passed unconfirmed is reverted first."""
        p = self._read(self.pending_path)
        if p and p.get("deadline", 0) <= time.time():
            self._revert(p.get("token"))
        return self._instance(self._read(self.path))

    def pending(self) -> Pending | None:
        """The change waiting for its confirmation, if any (and not yet past its deadline)."""
        p = self._read(self.pending_path)
        if not p or p.get("deadline", 0) <= time.time():
            return None
        return Pending(p["token"], p["deadline"])

    # -- changing -------------------------------------------------------------------------------

    def check(self, values) -> dict:
        """`values` (a dict of strings or typed values, or a dataclass instance; missing fields
        keep their current value) converted and checked; raises SettingsError. (An HTML form's
        unticked checkbox is not sent: bind the form with ui.forms first and pass its data.)"""
        current = dataclasses.asdict(self.load())
        merged = {**current, **{k: v for k, v in _items(values) if k in self.schema.names}}
        cleaned = self.schema.clean(merged)
        if not cleaned.valid:
            raise SettingsError(cleaned.errors, self.schema)
        return cleaned.data

    def save(self, values):
        """Check and store `values` for good (a pending change ends: these are the settings now);
        returns the settings."""
        data = self.check(values)
        with self._locked():
            old = self._read(self.path)
            self._write(self.path, _jsonable(data))
            self._run_hook(data, old)
            self.pending_path.unlink(missing_ok=True)
        return self._instance(data)

    def apply(self, values, rollback_after: float) -> Pending:
        """Check and apply `values` at once; unless confirm(token) arrives within
        `rollback_after` seconds they are reverted (and on_apply runs with the old values)."""
        if not 0 < rollback_after <= MAX_ROLLBACK:
            raise ValueError(f"rollback_after must be more than 0 and at most {MAX_ROLLBACK:g} s")
        data = self.check(values)
        with self._locked():
            old = self._read(self.path)
            waiting = self._read(self.pending_path)
            pending = Pending(secrets.token_urlsafe(16), time.time() + rollback_after)
            # The pending file first: a crash between the two writes leaves a change that is
            # reverted, never one that stays unconfirmed.
            self._write(self.pending_path, {"token": pending.token, "deadline": pending.deadline,
                                            "previous": waiting.get("previous", old)})
            self._write(self.path, _jsonable(data))
            self._run_hook(data, old, pending_before=waiting)
        self._start_watcher(pending)
        return pending

    def confirm(self, token: str) -> bool:
        """Keep the pending change. False if there is none with this token or it came too late
        (then it has been, or is being, reverted)."""
        with self._locked():
            p = self._read(self.pending_path)
            if not p or not secrets.compare_digest(str(token), str(p.get("token"))) \
                    or p.get("deadline", 0) <= time.time():
                return False
            self.pending_path.unlink()
        return True

    def revert_if_due(self, token: str | None = None) -> bool:
        """Revert the pending change if its deadline has passed (and it is `token`'s)."""
        p = self._read(self.pending_path)
        if not p or (token is not None and p.get("token") != token) or p.get("deadline", 0) > time.time():
            return False
        return self._revert(p.get("token"))

    # -- inside ---------------------------------------------------------------------------------

    def _revert(self, token) -> bool:
        with self._locked():
            p = self._read(self.pending_path)
            if not p or p.get("token") != token or p.get("deadline", 0) > time.time():
                return False
            unconfirmed = self._read(self.path)
            self._write(self.path, p.get("previous", {}))
            self.pending_path.unlink()
        log.warning("settings %s: change not confirmed in time, reverted", self.path)
        if self.on_apply is not None:
            self.on_apply(self._instance(p.get("previous", {})), self._instance(unconfirmed))
        return True

    def _run_hook(self, data: dict, old: dict, pending_before: dict | None = None) -> None:
        if self.on_apply is None:
            return
        try:
            self.on_apply(self._instance(data), self._instance(old))
        except BaseException:
            self._write(self.path, old)         # nothing stays half-applied
            if pending_before:
                self._write(self.pending_path, pending_before)
            else:
                self.pending_path.unlink(missing_ok=True)
            raise

    def _instance(self, values: dict):
        """An instance from stored values: each through its field; what does not fit (a value
        written by an older schema) falls back to the default."""
        out = {}
        for f in self.schema:
            if f.name not in values:
                continue
            try:
                out[f.name] = f.clean(_from_json(f, values[f.name]))
            except FieldError:
                log.warning("settings %s: stored %s=%r does not fit, using the default",
                            self.path, f.name, values[f.name])
        return self.cls(**out)

    def _read(self, path: Path) -> dict:
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return {}
        except ValueError:
            log.error("settings %s: not JSON, ignored", path)
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, path: Path, data: dict) -> None:
        atomic_write(path, json.dumps(data, indent=1, sort_keys=True).encode())

    @contextmanager
    def _locked(self):
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _start_watcher(self, pending: Pending) -> None:
        """A grandchild process (so nobody has to reap it) that reverts at the deadline."""
        pid = os.fork()
        if pid:
            os.waitpid(pid, 0)
            return
        try:
            if os.fork():
                os._exit(0)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGCHLD):
                signal.signal(sig, signal.SIG_DFL)
            os.closerange(3, 4096)      # the backend's sockets are not ours to hold open
            while (left := pending.deadline - time.time()) > 0:
                time.sleep(min(left, 1.0))
            self.revert_if_due(pending.token)
        except BaseException:
            log.exception("settings %s: the rollback watcher failed", self.path)
        finally:
            os._exit(0)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a reader sees the old file or the new one, never a
    part, even across a power cut: temp file, fsync, rename, fsync of the directory."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _items(values):
    if hasattr(values, "items"):
        return values.items()
    return dataclasses.asdict(values).items()


def _jsonable(data: dict) -> dict:
    """Values as JSON keeps them; _from_json reads them back through the field."""
    out = {}
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value") and hasattr(value, "name"):      # an Enum member
            value = value.value
        elif not isinstance(value, (str, int, float, bool, type(None))):
            value = str(value)                                        # Decimal
        out[key] = value
    return out


def _from_json(field, value):
    if field.kind == "choice":
        for choice, _ in field.choices:
            if getattr(choice, "value", choice) == value:
                return choice
    return value
