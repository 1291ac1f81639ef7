"""The pieces that let a subscriber wake a backend: the events server's Interest (which wake
topics have subscribers, said on a socketpair), a backend master's Hold (what the supervisor
says on its pipe, kept in .listened for the workers) and a periodic task bound to a topic."""
import os
import socket

import pytest

from pycopia_www.events.interest import Interest
from pycopia_www.events.periodic import Task
from pycopia_www.farm.hold import LISTENED_FILE, Hold, forget, listened


@pytest.fixture
def channel():
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ours.setblocking(False)
    yield ours, theirs
    ours.close()
    theirs.close()


def said(sock) -> list[bytes]:
    out = []
    while True:
        try:
            out.append(sock.recv(1024))
        except BlockingIOError:
            return out


def test_interest_says_the_first_subscriber_and_the_last_leaving(channel):
    ours, theirs = channel
    interest = Interest(("demo.status", "net.*"), theirs)
    interest.add(("demo.status",))
    interest.add(("demo.*",))                   # a pattern counts for what it overlaps
    interest.add(("other.x",))
    assert said(ours) == [b"+demo.status"]
    interest.add(("net.eth0", "demo.status"))
    assert said(ours) == [b"+net.*"]
    interest.remove(("demo.status",))
    interest.remove(("demo.*",))
    assert said(ours) == []                     # one subscriber of demo.status is left
    interest.remove(("net.eth0", "demo.status"))
    assert said(ours) == [b"-demo.status", b"-net.*"]


def test_interest_without_a_channel_or_a_supervisor_is_quiet(channel):
    ours, theirs = channel
    Interest(("a",), None).add(("a",))
    ours.close()
    Interest(("a",), theirs).add(("a",))        # logged, not raised


def test_hold_keeps_the_last_line_and_writes_it_for_the_workers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert listened("demo.status") is None      # nobody tells this backend: run always
    r, w = os.pipe()
    hold = Hold(r)
    assert hold.poll() is False and listened("demo.status") is False
    os.write(w, b"demo.status\nnet.*")          # a line not yet complete is not taken
    assert hold.poll() is True and hold.topics == ("demo.status",)
    assert listened("demo.status") and not listened("net.eth0")
    os.write(w, b" demo.status\n\n")
    assert hold.poll() is False and listened("demo.status") is False
    os.write(w, b"net.*\n")
    assert hold.poll() is True and listened("net.eth0")
    os.close(w)                                 # the supervisor is gone: nothing holds it
    assert hold.poll() is False and hold.fileno() == -1 and listened("net.eth0") is False
    forget()
    assert not (tmp_path / LISTENED_FILE).exists() and listened("net.eth0") is None


def test_a_periodic_task_bound_to_a_topic_runs_only_while_it_is_listened(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bound, free = Task(1.0, print, "a", "ui", "demo.status"), Task(1.0, print, "b", "ui")
    assert bound.wanted() and free.wanted()     # not told: both run
    (tmp_path / LISTENED_FILE).write_text("\n")
    assert not bound.wanted() and free.wanted()
    (tmp_path / LISTENED_FILE).write_text("demo.*\n")
    assert bound.wanted()
