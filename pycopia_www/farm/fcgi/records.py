"""Our own record I/O: buffered reads, one sendall per response.

Reading keeps the bytes of the last recv and parses records out of them in place, so a request
that lighttpd writes in one go (BEGIN_REQUEST, PARAMS, empty PARAMS, empty STDIN) costs one recv.
Writing collects the records of a response and sends them with one sendall at flush().
"""
import socket

from . import protocol as P

RECV_SIZE = 65536 + P.HEADER_LEN + 256
_unpack_header = P.HEADER.unpack_from
_pack_header = P.HEADER.pack
_tails = {}            # (request id, app status, protocol status) -> end of stdout + END_REQUEST


class RecordIO:
    """Record reader and writer over one connected socket.

    read_timeout bounds each wait for more bytes once the first non-blocking read found none.
    """

    __slots__ = ("sock", "read_timeout", "_data", "_pos", "_waited", "_pending")

    def __init__(self, sock, read_timeout):
        self.sock = sock
        self.read_timeout = read_timeout
        self._data = b""
        self._pos = 0
        self._waited = False
        self._pending = []

    # -- reading ---------------------------------------------------------------------------------

    def _recv(self):
        if self._waited:
            return self.sock.recv(RECV_SIZE)
        try:
            # Usually the web server has written the whole request before we accepted it.
            return self.sock.recv(RECV_SIZE, socket.MSG_DONTWAIT)
        except BlockingIOError:
            self._waited = True
            self.sock.settimeout(self.read_timeout)
            return self.sock.recv(RECV_SIZE)

    def _fill(self, data, pos, need):
        """data[pos:] extended until it holds at least `need` bytes; returns the new buffer."""
        data = data[pos:]
        while len(data) < need:
            chunk = self._recv()
            if not chunk:
                if not data:
                    raise EOFError
                raise P.ProtocolError("connection closed in the middle of a record")
            data += chunk
        return data

    def buffered(self):
        """True when bytes of a further record are already here."""
        return self._pos < len(self._data)

    def read(self):
        """The next record as (type, request_id, content bytes).

        Raises EOFError on a clean close between records, ProtocolError on anything malformed,
        TimeoutError or OSError from the socket.
        """
        data = self._data
        pos = self._pos
        if len(data) - pos >= P.HEADER_LEN:
            version, rtype, rid, clen, plen = _unpack_header(data, pos)
            start = pos + P.HEADER_LEN
            end = start + clen + plen
            if end <= len(data) and version == P.VERSION:     # the whole record is here
                self._pos = end
                return rtype, rid, data[start:start + clen]
        return self._read_more(data, pos)

    def whole_request(self):
        """The usual request, taken in one pass; None when it is not the usual one.

        After at most one read, when the buffer starts with FCGI_BEGIN_REQUEST (responder role)
        followed by FCGI_PARAMS up to its empty record and FCGI_STDIN up to its empty record, all
        for that one request, consumes them and returns (request id, flags, params chunks, stdin
        chunks). Anything else (more to read, other records, other roles, malformed input)
        consumes nothing and returns None: read() then takes the records one by one.
        """
        data = self._data
        pos = self._pos
        if pos >= len(data):
            data = self._data = self._recv()
            pos = self._pos = 0
            if not data:
                raise EOFError
        end = len(data)
        if end - pos < 16:
            return None
        version, rtype, rid, clen, plen = _unpack_header(data, pos)
        if version != P.VERSION or rtype != P.BEGIN_REQUEST or clen != 8 or rid == 0:
            return None
        role, flags = P.BEGIN_BODY.unpack_from(data, pos + P.HEADER_LEN)
        if role != P.RESPONDER:
            return None
        pos += 16 + plen
        params = []
        stdin = []
        for stream, chunks in ((P.PARAMS, params), (P.STDIN, stdin)):
            while True:
                if end - pos < P.HEADER_LEN:
                    return None
                version, rtype, srid, clen, plen = _unpack_header(data, pos)
                start = pos + P.HEADER_LEN
                pos = start + clen + plen
                if rtype != stream or srid != rid or pos > end or version != P.VERSION:
                    return None
                if not clen:
                    break
                chunks.append(data[start:start + clen])
        self._pos = pos
        return rid, flags, params, stdin

    def _read_more(self, data, pos):
        if len(data) - pos < P.HEADER_LEN:
            data = self._fill(data, pos, P.HEADER_LEN)
            pos = 0
        version, rtype, rid, clen, plen = _unpack_header(data, pos)
        if version != P.VERSION:
            raise P.ProtocolError(f"record with FastCGI version {version}")
        start = pos + P.HEADER_LEN
        end = start + clen + plen
        if end > len(data):
            data = self._fill(data, pos, end - pos)
            start -= pos
            end -= pos
        self._data = data
        self._pos = end
        return rtype, rid, data[start:start + clen]

    # -- writing ---------------------------------------------------------------------------------

    def send_record(self, rtype, rid, content=b""):
        """Send one record now (management replies)."""
        self.flush()
        self.sock.sendall(P.record(rtype, rid, content))

    def stdout(self, rid, data):
        """Queue data on the request's FCGI_STDOUT stream."""
        if len(data) <= P.MAX_CONTENT:
            self._pending += (_pack_header(P.VERSION, P.STDOUT, rid, len(data), 0), data)
        else:
            self._pending += P.stream_records(P.STDOUT, rid, data)

    def end_request(self, rid, data=b"", app_status=0, protocol_status=P.REQUEST_COMPLETE):
        """Send the last data of FCGI_STDOUT, close the request's streams, send
        FCGI_END_REQUEST: all that is queued with them goes out in one sendall."""
        key = (rid, app_status, protocol_status)
        tail = _tails.get(key)
        if tail is None:
            if len(_tails) > 64:
                _tails.clear()
            tail = _tails[key] = (P.record(P.STDOUT, rid)
                                  + P.end_request(rid, app_status, protocol_status))
        size = len(data)
        if self._pending or size > P.MAX_CONTENT:
            if size:
                self.stdout(rid, data)
            self._pending.append(tail)
            self.flush()
        elif size:
            self.sock.sendall(b"".join((_pack_header(P.VERSION, P.STDOUT, rid, size, 0), data,
                                        tail)))
        else:
            self.sock.sendall(tail)

    def reject(self, rid, protocol_status):
        """FCGI_END_REQUEST for a request that never ran (no stream was opened)."""
        self.send_record(P.END_REQUEST, rid, P.END_BODY.pack(0, protocol_status))

    def flush(self):
        pending = self._pending
        if pending:
            self.sock.sendall(b"".join(pending))
            pending.clear()

    def discard(self):
        """Forget queued output (the response is being abandoned)."""
        self._pending.clear()
