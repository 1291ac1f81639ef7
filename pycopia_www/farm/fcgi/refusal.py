"""Answer a FastCGI connection with an HTTP error without any application: for the supervisor,
when a backend's connections wait on its socket and no backend can take them (it failed to
start, or gave up), so that the client gets a 503 at once instead of a hang.

The supervisor is single-threaded and root: it never waits for the peer. It reads what the peer
has already sent (lighttpd writes the whole request right after connecting) only to learn the
request id, answers, and closes.
"""
import socket

from . import protocol as P


def request_id(data: bytes) -> int:
    """The id of the first FCGI_BEGIN_REQUEST in what was read; 1 (lighttpd's) if there is none."""
    if len(data) >= P.HEADER_LEN:
        version, rtype, rid, _, _ = P.HEADER.unpack_from(data)
        if version == P.VERSION and rtype == P.BEGIN_REQUEST and rid:
            return rid
    return 1


def response(rid: int, status: str, body: str, headers: dict[str, str]) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in {"Status": status, "Content-Type":
                                                "text/plain; charset=utf-8", **headers}.items())
    out = (head + "\r\n").encode("latin-1") + body.encode()
    return b"".join([*P.stream_records(P.STDOUT, rid, out), P.record(P.STDOUT, rid),
                     P.end_request(rid)])


def refuse_waiting(listener: socket.socket, status: str, body: str,
                   headers: dict[str, str] | None = None) -> int:
    """Answer every connection waiting on `listener` (non-blocking) with `status`; the count."""
    answered = 0
    while True:
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return answered
        except OSError:             # ECONNABORTED and the like: that peer is gone
            continue
        with conn:
            conn.setblocking(False)
            try:
                data = conn.recv(65536)
            except (BlockingIOError, InterruptedError):
                data = b""
            except OSError:
                continue
            try:
                conn.sendall(response(request_id(data), status, body, headers or {}))
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                continue
        answered += 1
