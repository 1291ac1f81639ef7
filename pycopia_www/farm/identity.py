"""Each virtual host's identity key (pycopia_www/authproof.py): made once by setup, kept root's
alone in the state directory, and handed by the supervisor to the backends that need it in
their spec (the auth backend signs with it, the protected backends check with it). Nobody reads
the file but root: a backend's user never could, a co-tenant never can.

A remote backend (websitectl serve on another machine) needs the same file at the same path
there: copy it with the configuration (docs/security.md).
"""
import os
import secrets
from pathlib import Path

from .. import authproof
from ..config import Backend, ConfigError, Site, VirtualHost
from . import paths


def key_file(site: Site, vhost_name: str) -> Path:
    return paths.identity_dir(site.farm) / f"{vhost_name}.key"


def needs_key(site: Site, b: Backend) -> bool:
    """The auth backend of its host, and every backend protected by it (auth set)."""
    vhost = _vhost(site, b)
    return vhost.auth is not None and (b.auth is not None or b is vhost.auth_backend)


def ensure_keys(site: Site) -> None:
    """A key for every virtual host with users (setup, start, reload); an existing one is kept:
    a new key would make every proof in flight fail."""
    for vhost in site.vhosts:
        if vhost.auth is None:
            continue
        path = key_file(site, vhost.name)
        if path.exists():
            continue
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(authproof.KEY_SIZE))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)          # atomic, and never replaces a key made meanwhile
        except FileExistsError:
            pass
        finally:
            tmp.unlink()


def read_key(site: Site, b: Backend) -> str | None:
    """The key `b` gets in its spec (hex), or None when it needs none."""
    if not needs_key(site, b):
        return None
    path = key_file(site, b.host)
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(site.farm.file, "state_dir", f"{path} is missing: run `websitectl setup` "
                          "(a remote backend needs a copy of the front end's)") from None
    if len(key) != authproof.KEY_SIZE:
        raise ConfigError(site.farm.file, "state_dir", f"{path} is not an identity key "
                          f"({len(key)} bytes, not {authproof.KEY_SIZE})")
    return key.hex()


def _vhost(site: Site, b: Backend) -> VirtualHost:
    return next(v for v in site.vhosts if v.name == b.host)
