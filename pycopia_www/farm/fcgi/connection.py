"""One FastCGI connection: assemble requests from records, hand each to a handler.

Requests on a connection are served one after the other (FCGI_MPXS_CONNS = 0): a second
FCGI_BEGIN_REQUEST while one is being read is answered FCGI_CANT_MPX_CONN. The request body
(FCGI_STDIN) is read completely before the application runs, in memory up to SPOOL_MEMORY and in
an anonymous temporary file beyond that.
"""
import io

from . import protocol as P
from .protocol import (ABORT_REQUEST, AUTHORIZER, BEGIN_REQUEST, PARAMS, STDIN,
                       ProtocolError)

SPOOL_MEMORY = 1 << 20          # request bodies larger than this go to a temporary file
MAX_PARAMS = 1 << 20            # FCGI_PARAMS larger than this are refused as malformed
SERVED_ROLES = (P.RESPONDER, P.AUTHORIZER)


class Request:
    """A request whose parameters and body have arrived."""

    __slots__ = ("id", "role", "keep_conn", "_params", "_params_len", "params", "_body",
                 "_body_len", "_spool", "stdin")

    def __init__(self, rid, role, keep_conn):
        self.id = rid
        self.role = role
        self.keep_conn = keep_conn
        self._params = []
        self._params_len = 0
        self.params = None            # dict once FCGI_PARAMS has ended
        self._body = []
        self._body_len = 0
        self._spool = None
        self.stdin = None             # readable binary file once FCGI_STDIN has ended

    def add_params(self, content):
        """One FCGI_PARAMS record's content; the empty one ends the stream."""
        if not content:
            self.end_params()
            return
        self._params_len += len(content)
        if self._params_len > MAX_PARAMS:
            raise ProtocolError(f"FCGI_PARAMS longer than {MAX_PARAMS} bytes")
        self._params.append(content)

    def end_params(self):
        params = self._params
        self.params = P.decode_pairs(params[0] if len(params) == 1 else b"".join(params))
        self._params = None

    def add_stdin(self, content):
        """One FCGI_STDIN record's content; the empty one ends the stream."""
        if not content:
            self.end_stdin()
            return
        if self._spool is not None:
            self._spool.write(content)
            return
        self._body.append(content)
        self._body_len += len(content)
        if self._body_len > SPOOL_MEMORY:
            import tempfile         # here: only large bodies need it (and it costs ~1 MB)
            self._spool = tempfile.TemporaryFile()
            self._spool.writelines(self._body)
            self._body = None

    def end_stdin(self):
        if self._spool is not None:
            self._spool.seek(0)
            self.stdin = self._spool
        else:
            body = self._body
            self.stdin = io.BytesIO(body[0] if len(body) == 1 else b"".join(body))
        self._body = None

    def close(self):
        if self._spool is not None:
            self._spool.close()


def whole_request(rid, flags, params, stdin):
    """A responder request that arrived in one piece (RecordIO.whole_request)."""
    req = Request(rid, P.RESPONDER, bool(flags & P.KEEP_CONN))
    req.params = P.decode_pairs(params[0] if len(params) == 1 else b"".join(params))
    req.stdin = io.BytesIO(stdin[0] if len(stdin) == 1 else b"".join(stdin))
    return req


class Connection:
    """Serve requests on one accepted socket until the peer is done or the worker stops.

    ``record_io`` is the record reader/writer (records.RecordIO, or the tests' flupio.FlupRecordIO).
    ``values`` answers FCGI_GET_VALUES. ``handler(conn, request)`` answers a request and returns
    True when the connection may carry another one. ``idle_wait(sock)`` waits on a kept connection
    between requests and returns True when the next one is arriving (False: close it).
    """

    def __init__(self, record_io, values, *, idle_wait):
        self.io = record_io
        self.values = values
        self.idle_wait = idle_wait

    def run(self, handler):
        while True:
            req = self.next_request()
            if req is None:
                return
            try:
                again = handler(self, req)
            finally:
                req.close()
            if not (again and req.keep_conn) or not self.wait_next():
                return

    def wait_next(self):
        """Wait on a kept connection for the next request; False to close it."""
        return self.io.buffered() or self.idle_wait(self.io.sock)

    def next_request(self):
        """Read records until a request is complete; None when the connection should close."""
        io = self.io
        try:
            whole = io.whole_request()
        except EOFError:
            return None
        if whole is not None:
            return whole_request(*whole)
        read = io.read
        req = None
        current = -1              # the id of the request being read
        while True:
            try:
                rtype, rid, content = read()
            except EOFError:
                if req is not None:
                    raise ProtocolError("connection closed in the middle of a request") from None
                return None
            if rid == current:
                if rtype == PARAMS:
                    if req.params is None:
                        req.add_params(content)
                elif rtype == STDIN:
                    if req.stdin is None:
                        req.add_stdin(content)
                elif rtype == ABORT_REQUEST:
                    # The web server gave up before the application ran: answer and forget it.
                    io.reject(rid, P.REQUEST_COMPLETE)
                    req.close()
                    if not req.keep_conn:
                        return None
                    req, current = None, -1
                    continue
                elif rtype == BEGIN_REQUEST:
                    raise ProtocolError(f"second FCGI_BEGIN_REQUEST for request {rid}")
                elif rtype != P.DATA:       # FCGI_DATA belongs to the filter role: ignored
                    io.send_record(P.UNKNOWN_TYPE, 0, P.UNKNOWN_TYPE_BODY.pack(rtype))
                # An authorizer gets no request body: it may run once its parameters are here.
                if req.params is not None and (req.stdin is not None or req.role == AUTHORIZER):
                    return req
            elif rtype == BEGIN_REQUEST:
                if rid == 0 or len(content) != P.BEGIN_BODY.size:
                    raise ProtocolError("malformed FCGI_BEGIN_REQUEST")
                role, flags = P.BEGIN_BODY.unpack(content)
                keep = bool(flags & P.KEEP_CONN)
                if req is not None:
                    io.reject(rid, P.CANT_MPX_CONN)
                elif role not in SERVED_ROLES:
                    io.reject(rid, P.UNKNOWN_ROLE)
                    if not keep:
                        return None
                else:
                    req, current = Request(rid, role, keep), rid
            elif rtype == P.GET_VALUES and rid == 0:
                asked = P.decode_pairs(content)
                answer = {k: self.values[k] for k in asked if k in self.values}
                io.send_record(P.GET_VALUES_RESULT, 0, P.encode_pairs(answer))
            elif rtype not in KNOWN_TYPES or rid == 0:
                io.send_record(P.UNKNOWN_TYPE, 0, P.UNKNOWN_TYPE_BODY.pack(rtype))
            # else: a record for a request that is not (or no longer) ours: ignored.


# Record types a web server may send for a request.
KNOWN_TYPES = frozenset((BEGIN_REQUEST, ABORT_REQUEST, PARAMS, STDIN, P.DATA))
