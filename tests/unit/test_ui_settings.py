"""Settings that survive and roll back (ui/settings.py): stored atomically, read through the
schema, saved for good or applied on probation and reverted by a watcher process unless
confirmed in time; the application's on_apply hook runs for each change and each revert."""
import json
import time
from dataclasses import dataclass, field

import pytest

from pycopia_www.ui.settings import SettingsError, SettingsStore


@dataclass
class Net:
    hostname: str = field(default="box", metadata={"label": "Host name", "min_length": 1, "max_length": 20})
    port: int = field(default=80, metadata={"min": 1, "max": 65535})
    https: bool = False


def hook_log(path):
    """An on_apply that records each call in a file: it also runs in the watcher process."""
    def on_apply(new, old):
        with open(path, "a") as f:
            f.write(json.dumps([new.port, old.port]) + "\n")
    return on_apply


def calls(path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def wait_for(condition, within=15.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture()
def store(tmp_path):
    return SettingsStore(Net, tmp_path / "net.json", on_apply=hook_log(tmp_path / "hook.log"))


def test_defaults_then_saved_values_through_the_schema(store, tmp_path):
    assert store.load() == Net()
    assert store.save({"port": "8080", "https": True}) == Net("box", 8080, True)
    assert json.loads((tmp_path / "net.json").read_text()) == {"hostname": "box", "port": 8080, "https": True}
    assert store.load() == Net("box", 8080, True)
    assert calls(tmp_path / "hook.log") == [[8080, 80]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hook.log", "net.json", "net.json.lock"]


def test_bad_values_are_refused_with_messages_by_field(store, tmp_path):
    with pytest.raises(SettingsError) as refused:
        store.save({"port": "0", "hostname": ""})
    assert refused.value.errors == {"hostname": "Required.", "port": "Between 1 and 65535."}
    assert str(refused.value) == "Host name: Required.; Port: Between 1 and 65535."
    assert not (tmp_path / "net.json").exists() and calls(tmp_path / "hook.log") == []


def test_stored_values_that_no_longer_fit_fall_back_to_the_default(store, tmp_path):
    (tmp_path / "net.json").write_text('{"port": 99999, "hostname": "ok", "gone": 1}')
    assert store.load() == Net("ok", 80, False)


def test_apply_is_reverted_by_the_watcher_unless_confirmed(store, tmp_path):
    store.save({"port": 8080})
    pending = store.apply({"port": 9000}, rollback_after=1)
    assert store.load().port == 9000 and store.pending() == pending
    # nobody reads the store: the watcher process reverts by itself at the deadline
    wait_for(lambda: not (tmp_path / "net.json.pending").exists())
    assert json.loads((tmp_path / "net.json").read_text())["port"] == 8080
    assert store.pending() is None and store.confirm(pending.token) is False
    wait_for(lambda: len(calls(tmp_path / "hook.log")) == 3)
    assert calls(tmp_path / "hook.log") == [[8080, 80], [9000, 8080], [8080, 9000]]


def test_a_confirmed_change_stays(store, tmp_path):
    pending = store.apply({"port": 9000}, rollback_after=1)
    assert store.confirm("not the token") is False
    assert store.confirm(pending.token) is True
    time.sleep(1.5)         # past the deadline: the watcher must find nothing to undo
    assert store.load().port == 9000 and store.revert_if_due() is False
    assert calls(tmp_path / "hook.log") == [[9000, 80]]


def test_a_second_apply_reverts_to_the_last_confirmed_values(store, tmp_path):
    store.save({"port": 1000})
    store.apply({"port": 2000}, rollback_after=30)
    second = store.apply({"port": 3000}, rollback_after=1)
    assert store.pending() == second
    wait_for(lambda: store.pending() is None and store.load().port == 1000)


def test_a_missed_deadline_is_reverted_on_the_next_load(store, tmp_path):
    # as after a power cut: the pending change is on disk, no watcher is running
    (tmp_path / "net.json").write_text('{"port": 9000}')
    (tmp_path / "net.json.pending").write_text(json.dumps(
        {"token": "t", "deadline": time.time() - 1, "previous": {"port": 8080}}))
    assert store.load().port == 8080 and not (tmp_path / "net.json.pending").exists()
    assert calls(tmp_path / "hook.log") == [[8080, 9000]]


def test_a_failing_hook_leaves_the_previous_settings(tmp_path):
    def refuse(new, old):
        if new.port == 666:
            raise RuntimeError("the service would not start")
    store = SettingsStore(Net, tmp_path / "net.json", on_apply=refuse)
    store.save({"port": 8080})
    for change in (lambda: store.save({"port": 666}), lambda: store.apply({"port": 666}, 30)):
        with pytest.raises(RuntimeError):
            change()
        assert store.load().port == 8080 and store.pending() is None


def test_rollback_time_is_bounded(store):
    for seconds in (0, -1, 3601):
        with pytest.raises(ValueError, match="rollback_after"):
            store.apply({"port": 1}, rollback_after=seconds)
