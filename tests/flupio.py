"""Record I/O through flup's fcgi_base.Record: the reference path, same interface as the
server's RecordIO (pycopia_www/farm/fcgi/records.py).

Every record is read with flup's Record.read and written with Record.write the moment it is
produced, as flup's own servers do. serve(..., record_io=FlupRecordIO): the tests run every case
against both paths, and bench/bench_hello.py measures both. flup is a test and bench dependency
only: a test oracle, not part of the farm.
"""
from flup.server import fcgi_base as flup

from pycopia_www.farm.fcgi import protocol as P


class FlupRecordIO:
    __slots__ = ("sock",)

    def __init__(self, sock, read_timeout):
        self.sock = sock
        # flup's reader waits in select() without a limit when a read would block; a socket
        # timeout bounds it (flup turns the timeout into EOFError).
        sock.settimeout(read_timeout)

    def buffered(self):
        return False

    def whole_request(self):
        return None             # flup reads record by record

    def read(self):
        rec = flup.Record()
        rec.read(self.sock)                  # EOFError on close, short read or timeout
        if rec.version != P.VERSION:
            raise P.ProtocolError(f"record with FastCGI version {rec.version}")
        return rec.type, rec.requestId, rec.contentData if rec.contentLength else b""

    def _write(self, rtype, rid, content=b""):
        rec = flup.Record(rtype, rid)
        rec.contentData = content
        rec.contentLength = len(content)
        rec.write(self.sock)

    def send_record(self, rtype, rid, content=b""):
        self._write(rtype, rid, content)

    def stdout(self, rid, data):
        for start in range(0, len(data), P.CHUNK):
            self._write(P.STDOUT, rid, data[start:start + P.CHUNK])

    def end_request(self, rid, data=b"", app_status=0, protocol_status=P.REQUEST_COMPLETE):
        self.stdout(rid, data)
        self._write(P.STDOUT, rid)
        self._write(P.END_REQUEST, rid, P.END_BODY.pack(app_status & 0xFFFFFFFF, protocol_status))

    def reject(self, rid, protocol_status):
        self._write(P.END_REQUEST, rid, P.END_BODY.pack(0, protocol_status))

    def flush(self):
        pass

    def discard(self):
        pass
