"""Everything that must hold before anything starts: `websitectl check`, and the start of `start`
and `reload`. Each problem is a ConfigError naming file, key and problem."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..config import ConfigError, Site
from . import certificates, lighttpd
from .accounts import check_accounts, check_backend_apps
from ..privileges import spawn_as


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
    for name, text in (("farm.conf", lighttpd.farm_conf(site, port=port, tls_port=tls_port)),
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
    """lighttpd -tt (which also loads the certificates), as the user lighttpd runs as."""
    with tempfile.TemporaryDirectory(prefix="pwww-check-") as tmp:
        os.chmod(tmp, 0o755)
        write_generated(site, Path(tmp), port=port, tls_port=tls_port, as_root=as_root)
        proc = spawn_as(lighttpd.frontend_credentials(site) if as_root else None,
                        [lighttpd_binary(), "-tt", "-f", str(site.farm.lighttpd_conf)],
                        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PWWW_GENERATED": tmp},
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/")
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output = proc.communicate()[0] + "(killed after 30s)"
    errors = [line for line in output.splitlines() if line.strip()]
    if proc.returncode != 0 or any("WARNING" in line or "ERROR" in line for line in errors):
        raise ConfigError(site.farm.lighttpd_conf, "",
                          "lighttpd -tt rejects the generated configuration: " + " | ".join(errors))


def check_site(site: Site, *, as_root: bool, python: str, port: int | None = None,
               tls_port: int | None = None) -> list[ConfigError]:
    """Raises the first error; returns warnings (routes that can never be reversed)."""
    if as_root:
        check_accounts(site)
    warnings = {str(w): w for w in check_backend_apps(site, site.local_backends, python)}
    check_lighttpd_config(site, port=port, tls_port=tls_port, as_root=as_root)
    return list(warnings.values())
