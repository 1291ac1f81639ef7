"""This machine's names and addresses, for the certificates the farm makes for itself."""
import fcntl
import ipaddress
import re
import socket
import struct

_SIOCGIFADDR = 0x8915
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def host_names() -> list[str]:
    """The machine's own name (and its fully qualified one), with localhost: what a browser on
    the box or the local network types. Names that are not valid DNS names are left out."""
    names = ["localhost"]
    for name in (socket.gethostname(), socket.getfqdn()):
        name = name.lower().rstrip(".")
        if _HOSTNAME.match(name) and name not in names:
            names.append(name)
    return names


def addresses() -> list[str]:
    """Every IPv4 and IPv6 address configured on an interface (IPv6 link-local addresses left
    out: they mean nothing without an interface), loopback included, in a stable order."""
    found = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    found.update(_ipv4())
    found.update(_ipv6())
    return [str(a) for a in sorted(found, key=lambda a: (a.version, a))]


def _ipv4() -> set:
    found = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            try:
                answer = fcntl.ioctl(s.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
            except OSError:         # no IPv4 address on this interface
                continue
            found.add(ipaddress.ip_address(answer[20:24]))
    return found


def _ipv6() -> set:
    found = set()
    try:
        with open("/proc/net/if_inet6") as f:
            lines = f.read().splitlines()
    except OSError:                 # no IPv6 in this kernel
        return found
    for line in lines:
        address = ipaddress.ip_address(bytes.fromhex(line.split()[0]))
        if not address.is_link_local:
            found.add(address)
    return found
