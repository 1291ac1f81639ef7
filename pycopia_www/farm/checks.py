"""Everything that must hold before anything starts: `websitectl check`, and the start of `start`
and `reload`. Each problem is a ConfigError naming file, key and problem."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..config import ConfigError, Site
from . import certificates, lighttpd
from .accounts import check_accounts, check_backend_app


def lighttpd_binary() -> str:
    found = shutil.which("lighttpd") or shutil.which("lighttpd", path="/usr/sbin:/sbin")
    if not found:
        raise ConfigError("lighttpd", "", "lighttpd is not installed (Debian: apt-get install lighttpd)")
    return found


def write_generated(site: Site, directory: Path, *, port: int | None, as_root: bool,
                    tls_port: int | None = None) -> bool:
    """Write farm.conf and sites.conf and stage the certificates in tls/; True if anything
    changed."""
    changed = certificates.stage(site, directory / "tls", as_root=as_root)
    trusted = frozenset(certificates.trusted_hosts(site))
    for name, text in (("farm.conf", lighttpd.farm_conf(site, port=port, tls_port=tls_port,
                                                        as_root=as_root)),
                       ("sites.conf", lighttpd.sites_conf(site, tls_port=tls_port, trusted=trusted))):
        path = directory / name
        if not path.exists() or path.read_text() != text:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text)
            os.chmod(tmp, 0o644)
            tmp.replace(path)
            changed = True
    return changed


def check_lighttpd_config(site: Site, *, port: int | None, as_root: bool,
                          tls_port: int | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="pwww-check-") as tmp:
        write_generated(site, Path(tmp), port=port, tls_port=tls_port, as_root=as_root)
        proc = subprocess.run([lighttpd_binary(), "-tt", "-f", str(site.farm.lighttpd_conf)],
                              env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PWWW_GENERATED": tmp},
                              capture_output=True, text=True, timeout=30)
    errors = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    if proc.returncode != 0 or any("WARNING" in line or "ERROR" in line for line in errors):
        raise ConfigError(site.farm.lighttpd_conf, "",
                          "lighttpd -tt rejects the generated configuration: " + " | ".join(errors))


def check_site(site: Site, *, as_root: bool, python: str, port: int | None = None,
               tls_port: int | None = None) -> list[ConfigError]:
    """Raises the first error; returns warnings (routes that can never be reversed)."""
    if as_root:
        check_accounts(site)
    warnings: dict[str, ConfigError] = {}
    for b in site.local_backends:
        for w in check_backend_app(site, b, python):
            warnings[str(w)] = w
    check_lighttpd_config(site, port=port, tls_port=tls_port, as_root=as_root)
    return list(warnings.values())
