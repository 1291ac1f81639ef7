"""Whether lighttpd answers: one HTTP request over the farm's own plain-HTTP address.

The listening socket exists before lighttpd runs (the supervisor made it), so a connection
proves nothing: only a status line does. Any status counts (a redirect to HTTPS too).
"""
import socket

REQUEST = b"HEAD /pwww/proxy.js HTTP/1.0\r\nHost: localhost\r\nUser-Agent: pycopia-www probe\r\n\r\n"


def where(listen: str, port: int) -> tuple[str, int]:
    """The address to ask: the listening one, or loopback for a wildcard."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(listen, listen)
    return host, port


def answers(listen: str, port: int, timeout: float) -> bool:
    host, port = where(listen, port)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect((host, port))
            s.sendall(REQUEST)
            return s.recv(16).startswith(b"HTTP/1.")
    except OSError:
        return False
