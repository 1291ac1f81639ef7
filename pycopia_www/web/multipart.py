"""multipart/form-data (RFC 7578), parsed as it streams in: a file part is written to a spooled
temporary file as its bytes arrive, so an upload never has to fit in memory.

Malformed input is a BadRequest with a short reason; a limit exceeded is a PayloadTooLarge.
"""
import re

from .errors import BadRequest, PayloadTooLarge

CHUNK = 64 * 1024
MAX_PART_HEADER = 8 * 1024
MAX_PREAMBLE = 64 * 1024
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")
# Quoted values are taken literally: browsers do not backslash-escape (they send '"' as %22),
# and old ones send Windows paths full of backslashes.
_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("[^"]*"|[^;]*)')


class UploadedFile:
    """One uploaded file. `filename` is what the client said, without any directory part: treat it
    as untrusted text, never as a path."""

    def __init__(self, name: str, filename: str, content_type: str, headers: dict, spool_bytes: int,
                 directory: str | None):
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.headers = headers
        self.size = 0
        import tempfile             # here: only uploads need it, and it costs every backend ~1 MB
        self.file = tempfile.SpooledTemporaryFile(max_size=spool_bytes, dir=directory)

    @property
    def on_disk(self) -> bool:
        return self.file._rolled

    def _write(self, data) -> None:
        self.file.write(data)
        self.size += len(data)

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    def save(self, path) -> None:
        """Copy the upload to `path` (created with the process's umask)."""
        import shutil
        self.file.seek(0)
        with open(path, "wb") as out:
            shutil.copyfileobj(self.file, out)
        self.file.seek(0)

    def close(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return f"<UploadedFile {self.name!r} {self.filename!r} {self.size} bytes>"


class BodyReader:
    """Exactly Content-Length bytes of wsgi.input; fewer is the client's error, not ours."""

    def __init__(self, stream, length: int):
        self._stream = stream
        self.remaining = length

    def read(self, size: int = CHUNK) -> bytes:
        if self.remaining <= 0:
            return b""
        data = self._stream.read(min(size, self.remaining))
        if not data:
            raise BadRequest("request body is shorter than its Content-Length")
        self.remaining -= len(data)
        return data

    def read_all(self) -> bytes:
        parts = []
        while data := self.read(CHUNK * 4):
            parts.append(data)
        return b"".join(parts)


def boundary_of(content_type_params: dict) -> bytes:
    boundary = content_type_params.get("boundary")
    if not boundary or not _BOUNDARY.match(boundary):
        raise BadRequest("multipart body without a valid boundary parameter")
    return boundary.encode("ascii")


def parse_header_params(value: str) -> tuple[str, dict[str, str]]:
    """'form-data; name="a"; filename="b"' -> ("form-data", {"name": "a", "filename": "b"})."""
    kind, _, rest = value.partition(";")
    params = {}
    for m in _PARAM.finditer(";" + rest):
        key, raw = m.group(1).lower(), m.group(2).strip()
        if raw.startswith('"'):
            raw = raw[1:-1]
        params[key] = raw
    return kind.strip().lower(), params


class _Parser:
    def __init__(self, reader: BodyReader, boundary: bytes, limits):
        self.reader = reader
        self.delimiter = b"--" + boundary
        self.limits = limits
        self.buf = bytearray()
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, UploadedFile]] = []
        self.parts = 0

    def fill(self) -> bool:
        data = self.reader.read(CHUNK)
        self.buf += data
        return bool(data)

    def run(self):
        self.skip_preamble()
        while self.after_delimiter():
            name, filename, content_type, headers = self.part_headers()
            self.part_body(name, filename, content_type, headers)
        return self.fields, self.files

    def skip_preamble(self) -> None:
        while True:
            if self.buf.startswith(self.delimiter):
                del self.buf[:len(self.delimiter)]
                return
            i = self.buf.find(b"\r\n" + self.delimiter)
            if i >= 0:
                del self.buf[:i + 2 + len(self.delimiter)]
                return
            if len(self.buf) > MAX_PREAMBLE or not self.fill():
                raise BadRequest("multipart body does not start with its boundary")

    def after_delimiter(self) -> bool:
        """True when a part follows, False after the closing delimiter."""
        while len(self.buf) < 2 and self.fill():
            pass
        if self.buf[:2] == b"--":
            return False
        # Transport padding (RFC 2046) may sit between the boundary and its line break.
        while True:
            stripped = self.buf.lstrip(b" \t")
            if stripped[:2] == b"\r\n":
                del self.buf[:len(self.buf) - len(stripped) + 2]
                return True
            if len(stripped) >= 2 or len(self.buf) > 1024 or not self.fill():
                raise BadRequest("malformed multipart boundary line")

    def part_headers(self):
        while (end := self.buf.find(b"\r\n\r\n")) < 0 and not self.buf.startswith(b"\r\n"):
            if len(self.buf) > MAX_PART_HEADER or not self.fill():
                raise BadRequest("multipart part headers are too long or unterminated")
        if self.buf.startswith(b"\r\n"):
            raw, skip = b"", 2
        else:
            raw, skip = bytes(self.buf[:end]), end + 4
        if skip - 4 > MAX_PART_HEADER:
            raise BadRequest("multipart part headers are too long")
        del self.buf[:skip]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("multipart part headers are not valid UTF-8") from None
        headers = {}
        for line in text.split("\r\n") if text else ():
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise BadRequest("malformed multipart part header")
            headers[name.lower()] = value.strip()
        kind, params = parse_header_params(headers.get("content-disposition", ""))
        if kind != "form-data" or "name" not in params:
            raise BadRequest("multipart part without Content-Disposition: form-data; name=...")
        self.parts += 1
        if self.parts > self.limits.max_fields:
            raise PayloadTooLarge(f"more than {self.limits.max_fields} form fields")
        filename = params.get("filename")
        if filename is not None:
            # Some browsers send the client's full path; keep only the last component.
            filename = re.split(r"[/\\]", filename)[-1]
        return params["name"], filename, headers.get("content-type", ""), headers

    def part_body(self, name, filename, content_type, headers) -> None:
        if filename is None:
            sink = bytearray()
            write = self._field_writer(name, sink)
        else:
            if len(self.files) >= self.limits.max_files:
                raise PayloadTooLarge(f"more than {self.limits.max_files} uploaded files")
            upload = UploadedFile(name, filename, content_type or "application/octet-stream",
                                  headers, self.limits.spool_bytes, self.limits.upload_dir)
            self.files.append((name, upload))
            write = upload._write
        needle = b"\r\n" + self.delimiter
        while True:
            i = self.buf.find(needle)
            if i >= 0:
                write(self.buf[:i])
                del self.buf[:i + len(needle)]
                break
            keep = len(needle) - 1
            if len(self.buf) > keep:
                write(self.buf[:-keep])
                del self.buf[:-keep]
            if not self.fill():
                raise BadRequest("multipart body ends before its closing boundary")
        if filename is None:
            try:
                self.fields.append((name, sink.decode("utf-8")))
            except UnicodeDecodeError:
                raise BadRequest(f"form field {name!r} is not valid UTF-8") from None
        elif filename == "" and upload.size == 0:
            # An empty file input: the browser sends a nameless empty part. It is not an upload.
            self.files.pop()
            upload.close()
        else:
            upload.file.seek(0)

    def _field_writer(self, name, sink):
        limit = self.limits.max_field_bytes

        def write(data):
            if len(sink) + len(data) > limit:
                raise PayloadTooLarge(f"form field {name!r} is larger than {limit} bytes")
            sink.extend(data)
        return write


def parse_multipart(reader: BodyReader, boundary: bytes, limits):
    """(fields, files): lists of (name, str) and (name, UploadedFile), in the order received."""
    parser = _Parser(reader, boundary, limits)
    try:
        return parser.run()
    except BaseException:
        for _, upload in parser.files:
            upload.close()
        raise


def cleanup(files) -> None:
    for _, upload in files:
        upload.close()
