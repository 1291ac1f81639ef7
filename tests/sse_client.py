"""A small Server-Sent Events client for the tests, written from the format (not from the server's
code): HTTP/1.0 to lighttpd, so the body is the event stream itself until the server closes it."""
import json
import socket
import time


class EventStream:
    def __init__(self, port: int, path: str, host: str = "localhost", headers: dict | None = None,
                 cookies: dict | None = None, rcvbuf: int | None = None, timeout: float = 15.0):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        head = {"Host": host, "Accept": "text/event-stream", **(headers or {})}
        if cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.sock.sendall((f"GET {path} HTTP/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items())
                           + "\r\n").encode())
        self.buffer = b""
        self.eof = False
        while b"\r\n\r\n" not in self.buffer and self._more():
            pass
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        self.body = b""
        if self.status != 200:              # a refusal: read it whole, the connection is done
            while self._more():
                pass
            self.body = self.buffer
            self.sock.close()

    def _more(self) -> bool:
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def next(self) -> dict | None:
        """The next event (comments skipped) as {"id", "event", "data" (JSON-decoded), "retry"};
        None when the stream has ended. Raises TimeoutError when nothing comes in time."""
        while True:
            while b"\n\n" not in self.buffer:
                if not self._more():
                    return None
            frame, _, self.buffer = self.buffer.partition(b"\n\n")
            event = {}
            for line in frame.decode().split("\n"):
                if not line or line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                event[name] = value[1:] if value.startswith(" ") else value
            if "data" in event:
                event["data"] = json.loads(event["data"])
            if event and set(event) != {"retry"}:
                return event

    def take(self, n: int) -> list[dict]:
        out = []
        while len(out) < n:
            event = self.next()
            assert event is not None, f"the stream ended after {len(out)} of {n} events"
            out.append(event)
        return out

    def ends(self, within: float = 15.0) -> bool:
        """Read (and discard) until the server closes the stream; False if it is still open."""
        deadline = time.monotonic() + within
        self.sock.settimeout(0.5)
        while time.monotonic() < deadline:
            try:
                if not self._more():
                    return True
            except TimeoutError:
                continue
            self.buffer = b""
        return False

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
