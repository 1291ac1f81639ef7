"""One write per response: a worker serving a framework application (build_app) sends the
headers, the body and FCGI_END_REQUEST of a page, a JSON answer or a proxy call in one system
call, counted with strace on the real worker process."""
import json
import re
import shutil
import signal
import subprocess
import time

import pytest

import fcgi_client as fc

SEND_CALLS = re.compile(r"^\d+\s+(sendto|sendmsg|write|writev)\((\d+),")
PROXY = {"CONTENT_TYPE": "application/json", "HTTP_X_REQUESTED_WITH": "pycopia-www"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if shutil.which("strace") is None:
        pytest.skip("needs strace (make test installs it)")
    srv = fc.Server(tmp_path_factory.mktemp("writes"), "webapps.writes.urls:app", workers=1)
    yield srv
    srv.stop()


def writes_for(server, tmp_path, **request) -> tuple[fc.Reply, list[str]]:
    """The reply to one request, and the write system calls the worker made meanwhile, on sockets."""
    worker = server.worker_pids()[0]
    trace = tmp_path / "trace"
    tracer = subprocess.Popen(["strace", "-f", "-p", str(worker), "-o", str(trace),
                               "-e", "trace=sendto,sendmsg,write,writev"],
                              stderr=subprocess.PIPE, text=True)
    # strace says "Process N attached" once it is; only then is every call seen.
    assert "attached" in tracer.stderr.readline()
    reply = fc.get(server.path, **request)
    time.sleep(0.2)                 # the last call is logged once it returns
    tracer.send_signal(signal.SIGINT)
    tracer.wait(10)
    calls = [m for line in trace.read_text().splitlines() if (m := SEND_CALLS.match(line))]
    # fd 2 is the log; every other write of a worker is on the web server's connection.
    return reply, [line.group(0) for line in calls if line.group(2) != "2"]


def test_a_markup_page_is_one_write(server, tmp_path):
    reply, calls = writes_for(server, tmp_path, path="/page")
    assert reply.status == 200 and b"Built by the framework." in reply.body
    assert len(calls) == 1, calls


def test_a_json_answer_is_one_write(server, tmp_path):
    reply, calls = writes_for(server, tmp_path, path="/json")
    assert json.loads(reply.body) == {"answer": 42}
    assert len(calls) == 1, calls


def test_a_proxy_call_is_one_write(server, tmp_path):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "add", "params": [2, 3]}).encode()
    reply, calls = writes_for(server, tmp_path, path="/api", method="POST", body=body, **PROXY)
    assert json.loads(reply.body) == {"jsonrpc": "2.0", "id": 1, "result": 5}
    assert len(calls) == 1, calls
