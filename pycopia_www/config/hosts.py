"""Which host names each virtual host answers: what lighttpd routes on and what the web layer
checks again (a request for any other name is 421 Misdirected Request, so a DNS-rebinding page
on another site cannot talk to the appliance as if it were its own origin).

A virtual host answers its `hosts`; the default one also the farm's listen address, or, when
the farm listens on every address, this machine's own addresses (read when the configuration is
applied: `websitectl reload` after they change); `default = "any"` answers every name.
"""
import ipaddress
import re
from pathlib import Path

_UNSPECIFIED = ("0.0.0.0", "::")
_LOCAL_V4 = re.compile(r"\|-- ([0-9.]+)\n\s+/32 host LOCAL")


def machine_addresses() -> tuple[str, ...]:
    """This machine's IPv4 and IPv6 addresses, from /proc (Linux)."""
    found: set[str] = set()
    try:
        found.update(_LOCAL_V4.findall(Path("/proc/net/fib_trie").read_text()))
    except OSError:
        pass
    try:
        for line in Path("/proc/net/if_inet6").read_text().splitlines():
            raw = line.split()[0]
            found.add(str(ipaddress.IPv6Address(bytes.fromhex(raw))))
    except (OSError, ValueError, IndexError):
        pass
    return tuple(sorted(found))


def served_names(site, vhost) -> tuple[str, ...]:
    """The host names (without port; IPv6 literals in brackets) `vhost` answers."""
    names = list(vhost.hosts)
    if vhost is site.vhosts[-1]:            # the default virtual host: the farm's own addresses
        listen = site.farm.listen
        for address in machine_addresses() if listen in _UNSPECIFIED else (listen,):
            names.append(f"[{address}]" if ":" in address else address)
    return tuple(dict.fromkeys(names))
