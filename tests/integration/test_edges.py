"""Remote (TCP) backends, malformed FastCGI input on a live socket, and the unprivileged mode."""
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from farmkit import REPO, WEBSITECTL, Farm, free_port, proc_ids, test_user


def test_remote_backends_are_balanced_and_fail_over():
    # The remote backend's user exists nowhere yet (as on a fresh machine): `websitectl serve`
    # must set it up, since `setup` on the front end prepares local backends only.
    remote_user = test_user("remote")
    ports = [free_port(), free_port()]
    addresses = ", ".join(f'"127.0.0.1:{p}"' for p in ports)
    f = Farm({"site": f"""\
        hosts = ["localhost"]
        default = true

        [[backend]]
        name = "ui"
        user = "pwww-t-ui"
        prefix = "/"
        app = "testapps:whoami"
        workers = 1
        pythonpath = ["@APPS@"]

        [[backend]]
        name = "remote"
        user = "{remote_user}"
        prefix = "/remote"
        app = "testapps:slow"
        workers = 1
        addresses = [{addresses}]
        pythonpath = ["@APPS@"]
        """})
    servers = []
    try:
        f.start()
        assert "site.remote" not in f.status()["backends"]       # not started locally
        assert '"port" => %d' % ports[1] in f.ctl("config").stdout
        for port in ports:
            servers.append(subprocess.Popen([*WEBSITECTL, "--farm", str(f.farm_file), "serve", "site.remote",
                                             "--listen", f"127.0.0.1:{port}"], cwd=REPO,
                                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        for port in ports:
            _wait_port(port, servers)
        # Two overlapping slow requests: least-connection sends them to different instances (each
        # has one worker), so two different processes answer them.
        results, pids = [], []

        def call():
            conn = http.client.HTTPConnection("127.0.0.1", f.port, timeout=20)
            conn.request("GET", "/remote?1.0", headers={"Host": "localhost"})
            response = conn.getresponse()
            results.append((response.status, response.read()))
            pids.append(response.getheader("X-Pid"))
            conn.close()
        threads = [threading.Thread(target=call) for _ in range(2)]
        for t in threads:
            t.start()
            # lighttpd counts a backend connection once it is established: let the first be,
            # before the second asks for the least loaded instance.
            time.sleep(0.3)
        for t in threads:
            t.join()
        assert results == [(200, b"slow done")] * 2, _said(f, servers)
        assert len(set(pids)) == 2, pids
        # The instances really dropped to the backend's user.
        for s in servers:
            assert proc_ids(s.pid)["uid"][0] == pwd.getpwnam(remote_user).pw_uid
        # One instance gone: the other answers.
        servers[0].send_signal(signal.SIGTERM)
        servers[0].wait(30)
        answers = [f.request("/remote?0", timeout=20)[0] for _ in range(6)]
        assert answers.count(200) >= 5      # at most the one request that found it gone
        assert answers[-1] == 200
    finally:
        for s in servers:
            s.kill()
            s.wait()
        f.cleanup()


def _said(f, servers) -> str:
    """What the remote instances (stopped for it) and the farm's logs said: for a failure."""
    for s in servers:
        s.kill()
    output = [s.communicate()[0].decode(errors="replace")[-3000:] for s in servers]
    return "\n".join(["--- remote instances", *output, f.logs()])


def _wait_port(port, servers, within=15.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if any(s.poll() is not None for s in servers):
                break
            time.sleep(0.05)
    output = [s.communicate()[0].decode(errors="replace")[-2000:] for s in servers if s.poll() is not None]
    raise AssertionError(f"nothing listening on {port}; exited servers said: {output}")


MALFORMED = {
    "garbage": b"\x00\x01\x02 this is not fastcgi \xff\xfe" * 10,
    "wrong version": struct.pack("!BBHHBx", 9, 1, 1, 8, 0) + b"\0" * 8,
    "truncated header": b"\x01\x01\x00",
    "truncated body": struct.pack("!BBHHBx", 1, 1, 1, 8, 0) + b"\0\x01",
    "huge params": struct.pack("!BBHHBx", 1, 1, 1, 8, 0) + struct.pack("!HB5x", 1, 0)
                   + struct.pack("!BBHHBx", 1, 4, 1, 65535, 0) + b"\x7f" * 300,
    "bogus name length": struct.pack("!BBHHBx", 1, 1, 1, 8, 0) + struct.pack("!HB5x", 1, 0)
                         + struct.pack("!BBHHBx", 1, 4, 1, 8, 0) + b"\xff\xff\xff\xff\x00abc",
}


@pytest.fixture(scope="module")
def small_farm():
    f = Farm({"site": """\
        hosts = ["localhost"]
        default = true
        [[backend]]
        name = "ui"
        user = "pwww-t-ui"
        prefix = "/"
        app = "testapps:whoami"
        workers = 2
        pythonpath = ["@APPS@"]
        """})
    try:
        yield f.start()
    finally:
        f.cleanup()


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_fastcgi_on_live_socket_leaves_backend_serving(small_farm, case):
    before = small_farm.status()["backends"]["site.ui"]
    path = small_farm.root / "var" / "run" / "sockets" / "site.ui.sock"
    for _ in range(3):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(3)
        s.connect(str(path))
        try:
            s.sendall(MALFORMED[case])
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except OSError:
            pass
        finally:
            s.close()
    assert small_farm.json("/")["ident"] == "site.ui"
    after = small_farm.status()["backends"]["site.ui"]
    assert after["pid"] == before["pid"] and after["state"] == "running"


def test_unprivileged_mode_runs_everything_as_the_invoking_user(tmp_path):
    """websitectl run by an ordinary user: no privilege drop, one clear warning, still serving."""
    user = "pwww-t-dev"
    if subprocess.run(["id", user], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", user], check=True)
    f = Farm({"site": """\
        hosts = ["localhost"]
        default = true
        [[backend]]
        name = "ui"
        user = "pwww-configured-but-unused"
        prefix = "/"
        app = "testapps:whoami"
        workers = 1
        pythonpath = ["@APPS@"]
        """})
    uid = pwd.getpwnam(user).pw_uid
    for path in [f.root, *f.root.rglob("*")]:
        os.chown(path, uid, -1)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(f.root)}

    def ctl(*args):
        return subprocess.run([*WEBSITECTL, "--farm", str(f.farm_file), *args], cwd=REPO, env=env,
                              user=user, group=user, extra_groups=[], capture_output=True, text=True,
                              timeout=60)
    try:
        started = ctl("start")
        assert started.returncode == 0, started.stderr + f.logs()
        assert started.stderr.count("not running as root") == 1
        status = json.loads(ctl("status", "--json").stdout)
        b = status["backends"]["site.ui"]
        assert b["user"] == status["lighttpd"]["user"] == user
        for pid in [status["lighttpd"]["pid"], b["pid"], *b["workers"]]:
            assert proc_ids(pid)["uid"][0] == uid
        answer = f.json("/")
        assert answer["uid"] == uid
    finally:
        ctl("stop")
        shutil.rmtree(f.root, ignore_errors=True)
