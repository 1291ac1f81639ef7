"""FastCGI on an event loop: one asyncio protocol per connection from lighttpd, whose one request
becomes an open-ended response (an event stream) or a short refusal.

The records are the prefork server's (farm/fcgi/protocol.py); what differs is that nothing here
blocks: records are cut out of whatever has arrived, and a stream's output goes through the
transport's buffer, whose size tells a subscriber that has stopped reading (it is dropped; the
others never wait for it).
"""
import asyncio
import logging

from ..farm.fcgi import protocol as P
from ..farm.fcgi.connection import MAX_PARAMS

log = logging.getLogger("pycopia_www.events")

MAX_BODY = 64 << 10             # an event stream request has no body; more than this is abuse
STATUS_TEXT = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
               405: "Method Not Allowed", 414: "URI Too Long", 429: "Too Many Requests",
               500: "Internal Server Error", 503: "Service Unavailable"}
STREAM_HEADERS = (b"Status: 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                  b"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
                  b"X-Accel-Buffering: no\r\n\r\n")
_pack = P.HEADER.pack


def stdout(rid: int, data: bytes) -> bytes:
    """FCGI_STDOUT record(s) carrying `data`."""
    if len(data) <= P.MAX_CONTENT:
        return _pack(P.VERSION, P.STDOUT, rid, len(data), 0) + data
    return b"".join(P.stream_records(P.STDOUT, rid, data))


def refusal_body(status: int, reason: str) -> bytes:
    head = (f"Status: {status} {STATUS_TEXT.get(status, '')}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n")
    if status in (429, 503):
        head += "Retry-After: 10\r\n"
    return (head + "\r\n" + reason + "\n").encode()


class Connection(asyncio.Protocol):
    """One FastCGI connection. `opened(conn, params)` is called once the request's parameters and
    (empty) body are in; it answers with refuse() or start(); `closed(conn)` when it is gone."""

    def __init__(self, opened, closed, limit: int, values: dict[str, str]):
        self._opened, self._closed = opened, closed
        self.limit = limit              # unsent bytes after which the subscriber is dropped
        self.values = values            # FCGI_GET_VALUES answers
        self.transport = None
        self.buffer = bytearray()
        self.rid = 0                    # the request being read or answered; 0: none
        self.keep = False
        self.params: list[bytes] | None = []     # None once FCGI_PARAMS has ended
        self._params: dict[str, str] = {}
        self.params_len = 0
        self.body_len = 0
        self.streaming = False
        self.done = False
        self.slow = False               # dropped for not reading
        # What the hub reads: set by the server when the stream starts.
        self.subscriptions: tuple[str, ...] = ()
        self.client = ""
        self.user = None
        self.session = None
        self.timer = None

    # -- asyncio ---------------------------------------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.done = True
        if self.timer is not None:
            self.timer.cancel()
        self._closed(self)

    def data_received(self, data):
        buf = self.buffer
        buf += data
        pos = 0
        try:
            while len(buf) - pos >= P.HEADER_LEN:
                version, rtype, rid, clen, plen = P.HEADER.unpack_from(buf, pos)
                end = pos + P.HEADER_LEN + clen + plen
                if version != P.VERSION:
                    raise P.ProtocolError(f"record with FastCGI version {version}")
                if end > len(buf):
                    break
                content = bytes(buf[pos + P.HEADER_LEN:pos + P.HEADER_LEN + clen])
                pos = end
                self._record(rtype, rid, content)
                if self.done:
                    return
        except P.ProtocolError as exc:
            log.warning("dropping a FastCGI connection: %s", exc)
            self.abort()
            return
        del buf[:pos]
        if len(buf) > MAX_PARAMS + P.HEADER_LEN + 256:
            self.abort()

    # -- records ---------------------------------------------------------------------------------

    def _record(self, rtype, rid, content):
        if rid == 0:
            if rtype == P.GET_VALUES:
                asked = P.decode_pairs(content)
                answer = {k: self.values[k] for k in asked if k in self.values}
                self.transport.write(P.record(P.GET_VALUES_RESULT, 0, P.encode_pairs(answer)))
            else:
                self.transport.write(P.unknown_type(rtype))
            return
        if rtype == P.BEGIN_REQUEST:
            if len(content) != P.BEGIN_BODY.size:
                raise P.ProtocolError("malformed FCGI_BEGIN_REQUEST")
            role, flags = P.BEGIN_BODY.unpack(content)
            if self.rid:
                self.transport.write(P.record(P.END_REQUEST, rid, P.END_BODY.pack(0, P.CANT_MPX_CONN)))
            elif role != P.RESPONDER:
                self.transport.write(P.record(P.END_REQUEST, rid, P.END_BODY.pack(0, P.UNKNOWN_ROLE)))
            else:
                self.rid, self.keep = rid, bool(flags & P.KEEP_CONN)
            return
        if rid != self.rid:
            return                      # not (or no longer) ours
        if rtype == P.PARAMS and self.params is not None:
            if content:
                self.params_len += len(content)
                if self.params_len > MAX_PARAMS:
                    raise P.ProtocolError(f"FCGI_PARAMS longer than {MAX_PARAMS} bytes")
                self.params.append(content)
            else:
                params = P.decode_pairs(b"".join(self.params))
                self.params = None
                self._params = params
        elif rtype == P.STDIN and self.params is None and not self.streaming:
            self.body_len += len(content)
            if self.body_len > MAX_BODY:
                raise P.ProtocolError("a request body where none belongs")
            if not content:
                self._opened(self, self._params)
        elif rtype == P.ABORT_REQUEST:
            self.end()

    # -- answers ---------------------------------------------------------------------------------

    def refuse(self, status: int, reason: str) -> None:
        self.transport.write(stdout(self.rid, refusal_body(status, reason)) + self._tail())
        self._finish()

    def start(self, first: bytes) -> None:
        self.streaming = True
        self.transport.write(stdout(self.rid, STREAM_HEADERS + first))

    def send(self, frame: bytes) -> None:
        """Queue one frame; a subscriber with more than `limit` bytes unsent is dropped."""
        if self.done:
            return
        transport = self.transport
        if transport.get_write_buffer_size() > self.limit:
            log.info("dropping a subscriber that does not read (%s, %d bytes unsent)",
                     self.client or "?", transport.get_write_buffer_size())
            self.slow = True
            self.abort()
            return
        transport.write(_pack(P.VERSION, P.STDOUT, self.rid, len(frame), 0) + frame
                        if len(frame) <= P.MAX_CONTENT else stdout(self.rid, frame))

    def end(self) -> None:
        """End the response properly (the client may reconnect)."""
        if self.done:
            return
        if self.rid:
            self.transport.write(self._tail())
        self._finish()

    def abort(self) -> None:
        if not self.done:
            self.done = True
            self.transport.abort()

    def _tail(self) -> bytes:
        return P.record(P.STDOUT, self.rid) + P.end_request(self.rid)

    def _finish(self) -> None:
        # One request per connection: lighttpd opens a new one for each.
        self.done = True
        self.transport.close()

    slow = False
