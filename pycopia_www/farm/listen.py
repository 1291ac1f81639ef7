"""The front end's listening sockets. The supervisor binds them (as root it may bind 80 and 443)
and hands them to lighttpd, which starts as the front-end user and never holds root
(socket activation: fdexec.py). A port in use is found here, before anything starts."""
import errno
import socket

from ..config import ConfigError, Site


def addresses(site: Site, *, port: int | None, tls_port: int | None) -> list[tuple[str, str, int]]:
    """(farm.toml key, address, port) of every socket lighttpd serves: plain HTTP first, then
    HTTPS if it is on."""
    farm = site.farm
    wanted = [("port", farm.listen, port or farm.port)]
    if farm.tls_port:
        wanted.append(("tls_port", farm.listen, tls_port or farm.tls_port))
    return wanted


def bind(site: Site, *, port: int | None, tls_port: int | None) -> list[socket.socket]:
    """Bind and listen on every address; a port that cannot be had is a ConfigError naming it,
    and nothing stays bound."""
    bound: list[socket.socket] = []
    try:
        for key, host, number in addresses(site, port=port, tls_port=tls_port):
            bound.append(_listen(site, key, host, number))
    except BaseException:
        for sock in bound:
            sock.close()
        raise
    return bound


def _listen(site: Site, key: str, host: str, number: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)   # as lighttpd would
        sock.bind((host, number))
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        where = f"[{host}]:{number}" if family == socket.AF_INET6 else f"{host}:{number}"
        if exc.errno == errno.EADDRINUSE:
            problem = f"port {number} is in use ({where}): another program listens there"
        elif exc.errno == errno.EACCES:
            problem = f"port {number} needs root ({where})"
        else:
            problem = f"cannot listen on {where}: {exc.strerror}"
        raise ConfigError(site.farm.file, key, problem + "; choose another here or with "
                          f"`websitectl start --{key.replace('_', '-')}`") from None
    return sock


def same(sockets: list[socket.socket], wanted: list[tuple[str, str, int]]) -> bool:
    """Whether the bound sockets are exactly the wanted addresses (else a reload rebinds)."""
    return [s.getsockname()[:2] for s in sockets] == [(host, number) for _, host, number in wanted]
