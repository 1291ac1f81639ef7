"""FastCGI 1.0 wire format: constants, record headers, name-value pairs.

Pure functions over bytes; no sockets here. Both record I/O paths (our own in
``records.py``, and flup's in tests/flupio.py for the tests) and the connection logic share these.
"""
import struct

VERSION = 1
HEADER_LEN = 8
MAX_CONTENT = 0xFFFF
# Largest multiple of 8 that fits a record: output records then need no padding to stay aligned.
CHUNK = MAX_CONTENT & ~7

# Record types.
BEGIN_REQUEST = 1
ABORT_REQUEST = 2
END_REQUEST = 3
PARAMS = 4
STDIN = 5
STDOUT = 6
STDERR = 7
DATA = 8
GET_VALUES = 9
GET_VALUES_RESULT = 10
UNKNOWN_TYPE = 11

# Roles (FCGI_BEGIN_REQUEST body) and their names as given to the application in FCGI_ROLE.
RESPONDER = 1
AUTHORIZER = 2
FILTER = 3
ROLE_NAMES = {RESPONDER: "RESPONDER", AUTHORIZER: "AUTHORIZER", FILTER: "FILTER"}

# Flags (FCGI_BEGIN_REQUEST body).
KEEP_CONN = 1

# Protocol status (FCGI_END_REQUEST body).
REQUEST_COMPLETE = 0
CANT_MPX_CONN = 1
OVERLOADED = 2
UNKNOWN_ROLE = 3

HEADER = struct.Struct("!BBHHBx")
BEGIN_BODY = struct.Struct("!HB5x")
END_BODY = struct.Struct("!IB3x")
UNKNOWN_TYPE_BODY = struct.Struct("!B7x")
_LONG = struct.Struct("!I")


class ProtocolError(Exception):
    """The peer sent something that is not FastCGI; the connection cannot continue."""


def record(rtype, request_id, content=b""):
    """One complete record (content must fit in one record)."""
    return HEADER.pack(VERSION, rtype, request_id, len(content), 0) + content


def stream_records(rtype, request_id, data):
    """The records carrying data on a stream, as a list of byte strings (no end-of-stream record)."""
    n = len(data)
    if n <= MAX_CONTENT:
        return [HEADER.pack(VERSION, rtype, request_id, n, 0), data]
    view = memoryview(data)
    out = []
    for start in range(0, n, CHUNK):
        piece = view[start:start + CHUNK]
        out.append(HEADER.pack(VERSION, rtype, request_id, len(piece), 0))
        out.append(piece)
    return out


def end_request(request_id, app_status=0, protocol_status=REQUEST_COMPLETE):
    """FCGI_END_REQUEST for request_id."""
    return record(END_REQUEST, request_id, END_BODY.pack(app_status & 0xFFFFFFFF, protocol_status))


def decode_pairs(data):
    """Name-value pairs (FCGI_PARAMS, FCGI_GET_VALUES) as a dict of latin-1 str.

    Raises ProtocolError when a length runs past the end of the data. (The hot path of every
    request: one-byte lengths, the usual case, take the first branch.)
    """
    text = data.decode("latin-1")   # one char per byte: indices into text and data agree
    end = len(data)
    pos = 0
    out = {}
    unpack_long = _LONG.unpack_from
    try:
        while pos < end:
            nlen = data[pos]
            if nlen < 0x80:
                vlen = data[pos + 1]
                if vlen < 0x80:
                    pos += 2
                else:
                    vlen = unpack_long(data, pos + 1)[0] & 0x7FFFFFFF
                    pos += 5
            else:
                nlen = unpack_long(data, pos)[0] & 0x7FFFFFFF
                vlen = data[pos + 4]
                if vlen < 0x80:
                    pos += 5
                else:
                    vlen = unpack_long(data, pos + 4)[0] & 0x7FFFFFFF
                    pos += 8
            vstart = pos + nlen
            pos = vstart + vlen
            out[text[vstart - nlen:vstart]] = text[vstart:pos]
    except (IndexError, struct.error):
        raise ProtocolError("truncated name-value pair length") from None
    if pos > end:
        raise ProtocolError("name-value pair runs past the end of its stream")
    return out


def encode_pair(name, value):
    """One name-value pair; name and value are bytes."""
    parts = []
    for n in (len(name), len(value)):
        parts.append(bytes((n,)) if n < 0x80 else _LONG.pack(n | 0x80000000))
    return b"".join(parts) + name + value


def encode_pairs(pairs):
    """Name-value pairs from a mapping of str (latin-1) to str."""
    return b"".join(encode_pair(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs.items())
