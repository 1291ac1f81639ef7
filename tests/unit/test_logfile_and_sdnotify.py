"""Size-capped logs and systemd notifications, with real files and a real datagram socket."""
import os
import socket

from pycopia_www.config import LogSettings
from pycopia_www.farm.logfile import RotatingLog
from pycopia_www.farm.sdnotify import notify


def test_a_log_never_passes_its_cap_and_keeps_that_many_old_files(tmp_path):
    log = RotatingLog(tmp_path / "b.log", LogSettings(max_size=4096, keep=2))
    line = b"x" * 99 + b"\n"
    for _ in range(200):                        # 20 kB through a 4 kB cap
        log.write(line)
    log.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["b.log", "b.log.1", "b.log.2"]
    assert all(p.stat().st_size <= 4096 for p in tmp_path.iterdir())
    assert (tmp_path / "b.log.1").stat().st_size == 4000     # rotated on a write boundary
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 3 * 4096


def test_a_chunk_bigger_than_the_room_left_is_split_between_lines(tmp_path):
    log = RotatingLog(tmp_path / "d.log", LogSettings(max_size=4096, keep=9))
    lines = [b"%04d" % i + b"." * 95 + b"\n" for i in range(100)]     # 100-byte lines
    log.write(b"".join(lines))                  # 10 kB in one write, as lighttpd batches them
    log.close()
    oldest_first = [tmp_path / "d.log.2", tmp_path / "d.log.1", tmp_path / "d.log"]
    assert sorted(tmp_path.iterdir()) == sorted(oldest_first)
    assert [p.stat().st_size for p in oldest_first] == [4000, 4000, 2000]   # 40 whole lines fit
    assert b"".join(p.read_bytes() for p in oldest_first) == b"".join(lines)


def test_a_line_longer_than_a_whole_file_is_cut(tmp_path):
    log = RotatingLog(tmp_path / "e.log", LogSettings(max_size=4096, keep=9))
    log.write(b"z" * 9000)
    log.close()
    assert sorted(p.stat().st_size for p in tmp_path.iterdir()) == [808, 4096, 4096]


def test_an_existing_log_is_appended_to_and_counted(tmp_path):
    (tmp_path / "a.log").write_bytes(b"y" * 4000)
    log = RotatingLog(tmp_path / "a.log", LogSettings(max_size=4096, keep=1))
    log.write(b"z" * 200)
    log.close()
    assert (tmp_path / "a.log.1").read_bytes() == b"y" * 4000
    assert (tmp_path / "a.log").read_bytes() == b"z" * 200


def test_reopen_follows_an_outside_rotation(tmp_path):
    log = RotatingLog(tmp_path / "c.log", LogSettings(max_size=1 << 20, keep=1))
    log.write(b"before\n")
    os.rename(tmp_path / "c.log", tmp_path / "c.log.old")     # what logrotate would do
    log.reopen()
    log.write(b"after\n")
    log.close()
    assert (tmp_path / "c.log").read_bytes() == b"after\n"
    assert (tmp_path / "c.log.old").read_bytes() == b"before\n"


def test_notify_sends_one_datagram_to_the_socket_systemd_names(tmp_path, monkeypatch):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:
        manager.bind(str(tmp_path / "notify"))
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        assert notify("READY=1", "STATUS=serving")
        assert manager.recv(4096) == b"READY=1\nSTATUS=serving"


def test_notify_in_the_abstract_namespace(monkeypatch):
    name = f"pwww-test-notify-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:
        manager.bind("\0" + name)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify("STOPPING=1")
        assert manager.recv(4096) == b"STOPPING=1"


def test_without_systemd_nothing_is_sent(monkeypatch, tmp_path):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert not notify("READY=1")
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert not notify("READY=1")
