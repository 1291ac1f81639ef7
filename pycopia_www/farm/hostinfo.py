"""This machine's own names, for the certificate of a virtual host that answers any name."""
import socket

from ..config.site import _HOSTNAME        # the host names a configuration accepts


def host_names() -> list[str]:
    """The machine's own name (and its fully qualified one), with localhost: what a browser on
    the box or the local network types. Names that are not valid DNS names are left out."""
    names = ["localhost"]
    for name in (socket.gethostname(), socket.getfqdn()):
        name = name.lower().rstrip(".")
        if _HOSTNAME.match(name) and name not in names:
            names.append(name)
    return names
