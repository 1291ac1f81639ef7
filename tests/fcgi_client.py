"""A small FastCGI client for the tests, and a way to run serve() in a subprocess.

The client encodes and decodes records itself (it does not use the server's protocol module), so
a mistake in the server's codec cannot hide behind the same mistake in the client.

    python tests/fcgi_client.py SOCKET_PATH module:app '{"workers": 2, ...}'

runs pycopia_www.farm.fcgi.serve() on a fresh unix socket at SOCKET_PATH (module is imported
from tests/ or tests/unit), printing "serve returned" when serve() comes back. ``app`` below is
the WSGI application the tests serve: PATH_INFO picks what it does.
"""
import hashlib
import itertools
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR, DATA = range(1, 9)
GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE = 9, 10, 11
RESPONDER, AUTHORIZER, FILTER = 1, 2, 3
KEEP_CONN = 1
_HDR = struct.Struct("!BBHHBx")


def record(rtype, rid, content=b"", version=1, padding=0):
    return _HDR.pack(version, rtype, rid, len(content), padding) + content + b"\0" * padding


def pair(name, value):
    name, value = (s.encode("latin-1") if isinstance(s, str) else s for s in (name, value))
    out = b""
    for n in (len(name), len(value)):
        out += bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)
    return out + name + value


def stream(rtype, rid, data, size=65535):
    """Records carrying data on a stream, followed by the empty end-of-stream record."""
    out = [record(rtype, rid, data[i:i + size]) for i in range(0, len(data), size)]
    return b"".join(out) + record(rtype, rid)


def request_bytes(params, body=b"", rid=1, keep=False, role=RESPONDER):
    begin = record(BEGIN_REQUEST, rid, struct.pack("!HB5x", role, KEEP_CONN if keep else 0))
    encoded = b"".join(pair(k, v) for k, v in params.items())
    return begin + stream(PARAMS, rid, encoded) + stream(STDIN, rid, body)


def cgi_params(path="/", method="GET", query="", body=b"", **extra):
    params = {"REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path,
              "REQUEST_URI": path + ("?" + query if query else ""), "QUERY_STRING": query,
              "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
              "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost",
              "CONTENT_LENGTH": str(len(body))}
    params.update(extra)
    return params


class Reply:
    """What came back for one request."""

    def __init__(self, stdout, stderr, app_status, protocol_status):
        self.stdout = stdout
        self.stderr = stderr
        self.app_status = app_status
        self.protocol_status = protocol_status
        head, _, self.body = stdout.partition(b"\r\n\r\n")
        self.headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            if ":" in line:
                k, _, v = line.partition(":")
                self.headers[k.strip().lower()] = v.strip()
        self.status = int(self.headers.get("status", "200").split()[0]) if stdout else None

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:60]!r} end={self.protocol_status}>"


class Client:
    """One connection to a FastCGI server."""

    def __init__(self, address, timeout=10.0):
        family = (socket.AF_UNIX if isinstance(address, (str, Path)) else
                  socket.AF_INET6 if ":" in address[0] else socket.AF_INET)
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(address) if family == socket.AF_UNIX else address[:2])
        self._buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def read_record(self):
        """(type, request id, content), or None at end of stream."""
        while len(self._buf) < 8 or len(self._buf) < 8 + self._lengths():
            chunk = self.sock.recv(65536)
            if not chunk:
                if self._buf:
                    raise EOFError(f"connection closed inside a record: {self._buf[:16]!r}")
                return None
            self._buf += chunk
        version, rtype, rid, clen, plen = _HDR.unpack_from(self._buf)
        assert version == 1, f"server sent version {version}"
        content = self._buf[8:8 + clen]
        self._buf = self._buf[8 + clen + plen:]
        return rtype, rid, content

    def _lengths(self):
        _, _, _, clen, plen = _HDR.unpack_from(self._buf)
        return clen + plen

    def reply(self, rid=1):
        """Collect the records of request rid up to its FCGI_END_REQUEST."""
        out, err = [], []
        while True:
            rec = self.read_record()
            if rec is None:
                raise EOFError("connection closed before FCGI_END_REQUEST")
            rtype, got, content = rec
            assert got == rid, f"record for request {got}, expected {rid}"
            if rtype == STDOUT:
                out.append(content)
            elif rtype == STDERR:
                err.append(content)
            elif rtype == END_REQUEST:
                app_status, protocol_status = struct.unpack("!IB3x", content)
                return Reply(b"".join(out), b"".join(err), app_status, protocol_status)
            else:
                raise AssertionError(f"unexpected record type {rtype}")

    def request(self, path="/", method="GET", query="", body=b"", rid=1, keep=False,
                role=RESPONDER, **extra):
        self.send(request_bytes(cgi_params(path, method, query, body, **extra), body, rid, keep,
                                role))
        return self.reply(rid)

    def closed_by_server(self):
        """True when the server has closed its end (reads EOF)."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


def get(address, path="/", **kw):
    """One request on a fresh connection."""
    with Client(address) as c:
        return c.request(path, **kw)


def decode_pairs(data):
    out, pos = {}, 0
    while pos < len(data):
        lens = []
        for _ in range(2):
            n = data[pos]
            if n & 0x80:
                n = struct.unpack_from("!I", data, pos)[0] & 0x7FFFFFFF
                pos += 4
            else:
                pos += 1
            lens.append(n)
        name = data[pos:pos + lens[0]]
        value = data[pos + lens[0]:pos + lens[0] + lens[1]]
        pos += lens[0] + lens[1]
        out[name.decode()] = value.decode()
    return out


# -- the application the tests serve ---------------------------------------------------------------

def _text(start_response, body, status="200 OK"):
    start_response(status, [("Content-Type", "text/plain")])
    return [body if isinstance(body, bytes) else body.encode()]


_LEAKED = []


def app(environ, start_response):
    path = environ["PATH_INFO"]
    query = environ["QUERY_STRING"]
    if path == "/hello":
        return _text(start_response, "Hello, world!")
    if path == "/pid":
        return _text(start_response, str(os.getpid()))
    if path == "/leak":          # keeps QUERY_STRING MiB for the life of the worker
        _LEAKED.append(bytearray(int(query or "1") << 20))
        return _text(start_response, str(os.getpid()))
    if path == "/environ":
        keys = {k: v for k, v in environ.items() if isinstance(v, (str, bool, tuple))}
        keys["wsgi.input.type"] = type(environ["wsgi.input"]).__name__
        return _text(start_response, json.dumps(keys))
    if path == "/echo":
        inp = environ["wsgi.input"]
        first = inp.readline()
        digest = hashlib.sha256(first + inp.read())
        size = int(environ.get("CONTENT_LENGTH") or 0)
        return _text(start_response, json.dumps({"sha256": digest.hexdigest(), "length": size,
                                                 "input": type(inp).__name__}))
    if path == "/stream":
        def gen():
            yield b"first;"
            time.sleep(float(query or "0.5"))
            yield b""
            yield b"second"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return gen()
    if path == "/big":
        size = int(query or "300000")
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        block = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
        return [block] if environ.get("HTTP_X_LIST") else iter([block[:1000], block[1000:]])
    if path == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written;")
        write(b"")
        return [b"returned"]
    if path == "/close":
        return _Closing(start_response, environ)
    if path == "/error":
        raise RuntimeError("this error must not reach the client")
    if path == "/error-after":
        def gen():
            yield b"partial"
            raise RuntimeError("failed half way")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return gen()
    if path == "/excinfo":
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("caught by the application")
        except ValueError:
            start_response("503 Busy", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"replaced"]
    if path == "/excinfo-late":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"partial")
        try:
            raise ValueError("too late to change the status")
        except ValueError:
            start_response("500 Oops", [], sys.exc_info())     # must re-raise: headers went
        return [b"never"]
    if path == "/twice":
        start_response("200 OK", [])
        start_response("200 OK", [])
        return [b"never"]
    if path == "/badheader":
        start_response("200 OK", [("X-Injected", "a\r\nSet-Cookie: evil=1")])
        return [b"never"]
    if path == "/strbody":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ["a str is not a body"]
    if path == "/slow":
        time.sleep(float(query or "1"))
        return _text(start_response, f"slow done {os.getpid()}")
    if path == "/catchall":
        # An application that swallows every Exception must still be stopped by the timeout.
        try:
            time.sleep(float(query or "5"))
        except Exception:
            pass
        return _text(start_response, "not stopped")
    if path == "/nosignals":
        # Cannot take SIGALRM: only the master's backstop can end this request.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(float(query or "10"))
        return _text(start_response, "not stopped")
    return _text(start_response, "not found", "404 Not Found")


class _Closing:
    """An iterable with close(): the close must be called once the response is done."""

    def __init__(self, start_response, environ):
        start_response("200 OK", [("Content-Type", "text/plain")])
        self.marker = environ["QUERY_STRING"]

    def __iter__(self):
        yield b"closing"

    def close(self):
        Path(self.marker).write_text("closed")


# -- the server under test, in its own process ----------------------------------------------------

def children(pid):
    """Pids whose parent is pid (read from /proc, as the supervisor does)."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            kids.append(int(entry))
    return sorted(kids)


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_for(predicate, timeout=5.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


_serial = itertools.count()


class Server:
    """serve() running in a subprocess on a unix socket in tmpdir."""

    def __init__(self, tmpdir, app, record_io="lean", listen=None, **options):
        """listen: a listening socket made by the test (shared, TCP, ...); by default the
        subprocess binds a fresh unix socket in tmpdir. self.path is what Client connects to."""
        tag = next(_serial)
        self.log_path = Path(tmpdir) / f"server-{tag}.log"
        self.workers = options.get("min_workers") or options.get("workers", 2)
        pass_fds = ()
        if listen is None:
            self.path = where = str(Path(tmpdir) / f"fcgi-{tag}.sock")
        else:
            self.path = listen.getsockname()
            where, pass_fds = f"fd:{listen.fileno()}", (listen.fileno(),)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(HERE), str(HERE / "unit"),
                                                           os.environ.get("PYTHONPATH", "")]))
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, __file__, where, app, record_io,
                                      json.dumps(options)],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     pass_fds=pass_fds, start_new_session=True)
        self.pid = self.proc.pid
        if not wait_for(lambda: len(self.worker_pids()) == self.workers and self._connectable(),
                        timeout=10):
            self.stop()
            raise RuntimeError(f"server did not start:\n{self.output()}")

    def _connectable(self):
        try:
            Client(self.path, timeout=1).close()
            return True
        except OSError:
            return False

    def worker_pids(self):
        return children(self.pid)

    def output(self):
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def signal(self, sig):
        os.kill(self.pid, sig)

    def stop(self, timeout=10.0):
        """SIGTERM, wait; SIGKILL the whole process group if that did not work. Returns exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            self.log.close()


def module_server(request, tmp_path_factory, **options):
    """Body of a module-scoped fixture parametrized by record I/O: yields a running Server."""
    srv = Server(tmp_path_factory.mktemp("fcgi"), "fcgi_client:app", record_io=request.param,
                 **options)
    yield srv
    assert srv.stop() == 0, srv.output()


def _main(where, target, record_io, options):
    import importlib
    import logging
    from pycopia_www.farm.fcgi import serve
    from pycopia_www.farm.fcgi.records import RecordIO
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(process)d %(levelname)s %(message)s")
    module, _, attr = target.partition(":")
    app = getattr(importlib.import_module(module), attr)
    if where.startswith("fd:"):
        sock = socket.socket(fileno=int(where[3:]))
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(where)
        sock.listen(16)
    if record_io == "flup":
        from flupio import FlupRecordIO as RecordIO
    reason = serve(sock, app, name="test", record_io=RecordIO, **json.loads(options))
    print(f"serve returned: {reason}", flush=True)


if __name__ == "__main__":
    _main(*sys.argv[1:])
