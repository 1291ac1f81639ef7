"""Telling systemd how the farm is doing (sd_notify(3)), written by hand: one datagram of
"KEY=value" lines to the socket named by $NOTIFY_SOCKET, which systemd sets for Type=notify.
Outside systemd there is no such socket and nothing is sent."""
import os
import socket


def notify(*fields: str) -> bool:
    """Send fields such as "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=text"; True if a
    service manager was told. An address starting with "@" is in the abstract namespace."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address or address[0] not in "/@":
        return False
    if address[0] == "@":
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
        try:
            s.connect(address)
            s.sendall("\n".join(fields).encode())
        except OSError:         # the manager went away: nothing to tell
            return False
    return True
