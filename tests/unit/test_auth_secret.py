"""The auth backend's secret key (secret.key, what CSRF tokens are derived from): made once by
whichever worker comes first, and never read half-written by another (L7)."""
import multiprocessing
import os
import threading
import time

import pytest

from pycopia_www.auth.authorizer import SECRET_SIZE, SecretKeyError, _load_secret


def test_l7_a_key_still_being_written_is_never_taken(tmp_path):
    """A worker that finds the file before its maker has written it waits for the whole key;
    before the fix it took b"" and derived everyone's CSRF tokens with an empty HMAC key."""
    path = tmp_path / "secret.key"
    key = os.urandom(SECRET_SIZE)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)   # the maker, mid-write

    def finish():
        time.sleep(0.2)
        os.write(fd, key)
        os.close(fd)
    writer = threading.Thread(target=finish)
    writer.start()
    try:
        assert _load_secret(path) == key
    finally:
        writer.join()


def test_l7_a_key_of_the_wrong_size_is_refused_with_its_path(tmp_path):
    path = tmp_path / "secret.key"
    path.write_bytes(b"short")
    with pytest.raises(SecretKeyError, match=f"{path}.*5 bytes, expected 32"):
        _load_secret(path, wait=0.1)


def _race(path, queue):
    queue.put(_load_secret(path))


def test_l7_racing_workers_all_get_the_same_whole_key(tmp_path):
    ctx = multiprocessing.get_context("fork")
    for round_ in range(5):
        path = tmp_path / f"secret{round_}.key"
        queue = ctx.Queue()
        workers = [ctx.Process(target=_race, args=(path, queue)) for _ in range(6)]
        for w in workers:
            w.start()
        keys = {queue.get(timeout=30) for _ in workers}
        for w in workers:
            w.join()
        assert len(keys) == 1 and len(keys.pop()) == SECRET_SIZE
        assert path.stat().st_mode & 0o777 == 0o600
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []   # no temp left
