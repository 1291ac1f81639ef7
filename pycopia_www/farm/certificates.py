"""The TLS certificate each virtual host serves, and the self-signed ones the farm makes.

A host with `tls = { cert, key }` serves those files. Any other host serves the certificate kept in
state_dir/tls/<host>.crt (its key <host>.key, mode 0600, root's): one given by
`websitectl cert install`, or one the farm made itself at setup, self-signed for the host's names
and the machine's addresses, and made again when fewer than RENEW_DAYS remain or a configured host
name is missing from it. A certificate the farm made says so in its subject (GENERATED_BY).

lighttpd never reads these files where they are: before each start and reload they are copied
beside its generated configuration (stage), the key readable by the front-end user alone, since
lighttpd runs as that user and the operator's keys may be root's.

Everything goes through the openssl command line; docs/decisions.md says why.
"""
import grp
import ipaddress
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..config import ConfigError, Site, TlsFiles, VirtualHost
from ..config.hosts import served_names
from . import hostinfo, paths

VALID_DAYS = 397            # what browsers accept for a server certificate
RENEW_DAYS = 30
GENERATED_BY = "pycopia-www self-signed"    # the subject's O=: made here, so ours to renew
_CN_MAX = 64                # X.509 limit on a common name


class CertificateError(Exception):
    """A certificate or key file that cannot be read or used; the message says which and why."""


@dataclass(frozen=True)
class Certificate:
    path: Path
    subject: str
    issuer: str
    not_after: datetime
    names: tuple[str, ...]          # subjectAltName entries: "DNS:name", "IP:address"
    fingerprint: str                # SHA-256

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer

    @property
    def generated(self) -> bool:
        return f"O={GENERATED_BY}" in self.subject.split(",")

    def days_left(self, now: datetime | None = None) -> float:
        return (self.not_after - (now or datetime.now(timezone.utc))) / timedelta(days=1)


def openssl() -> str:
    found = shutil.which("openssl") or shutil.which("openssl", path="/usr/bin:/bin")
    if not found:
        raise ConfigError("openssl", "", "the openssl command is not installed "
                                         "(Debian: apt-get install openssl)")
    return found


def _run(*args: str) -> str:
    proc = subprocess.run([openssl(), *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    if proc.returncode != 0:
        raise CertificateError((proc.stderr.strip().splitlines() or ["openssl failed"])[-1])
    return proc.stdout


def inspect(path: Path) -> Certificate:
    """Read a PEM certificate. Raises CertificateError naming the file."""
    try:
        out = _run("x509", "-in", str(path), "-noout", "-subject", "-issuer", "-enddate",
                   "-fingerprint", "-sha256", "-ext", "subjectAltName", "-nameopt", "RFC2253")
    except CertificateError as exc:
        raise CertificateError(f"{path}: not a readable PEM certificate ({exc})") from None
    fields, names = {}, ()
    lines = out.splitlines()
    for i, line in enumerate(lines):
        key, sep, value = line.partition("=")
        if sep and key in ("subject", "issuer", "notAfter", "sha256 Fingerprint"):
            fields[key] = value.strip()
        elif line.startswith("X509v3 Subject Alternative Name") and i + 1 < len(lines):
            names = tuple(_san(entry.strip()) for entry in lines[i + 1].split(","))
    not_after = datetime.strptime(fields["notAfter"], "%b %d %H:%M:%S %Y GMT")
    return Certificate(path, fields["subject"], fields["issuer"],
                       not_after.replace(tzinfo=timezone.utc), names, fields["sha256 Fingerprint"])


def _san(entry: str) -> str:
    """openssl prints "IP Address:0:0:0:0:0:0:0:1"; we write and compare "IP:::1"."""
    if entry.startswith("IP Address:"):
        return "IP:" + str(ipaddress.ip_address(entry[len("IP Address:"):]))
    return entry


def public_key(path: Path, *, private: bool) -> str:
    """The PEM public key of a certificate or of a private key, to tell whether they match."""
    try:
        if private:
            return _run("pkey", "-in", str(path), "-pubout")
        return _run("x509", "-in", str(path), "-noout", "-pubkey")
    except CertificateError as exc:
        kind = "private key" if private else "certificate"
        raise CertificateError(f"{path}: not a readable PEM {kind} ({exc})") from None


# ----- which files a host serves -----------------------------------------------------------

def kept_files(site: Site, vhost: VirtualHost) -> TlsFiles:
    directory = paths.certificate_dir(site.farm)
    return TlsFiles(directory / f"{vhost.name}.crt", directory / f"{vhost.name}.key")


def files_of(site: Site, vhost: VirtualHost) -> TlsFiles:
    return vhost.tls or kept_files(site, vhost)


def wanted_names(site: Site, vhost: VirtualHost) -> list[str]:
    """What a certificate made for `vhost` names: what it answers (config/hosts.py), so the
    default host also the farm's addresses (a browser pointed at the box's IP address sends no
    name and gets this certificate), and, answering any name, the machine's own names too.
    IPv6 link-local addresses are left out: they mean nothing without an interface."""
    dns, ips = [], []
    for name in served_names(site, vhost):
        try:
            address = ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            dns.append(name)
            continue
        if not address.is_link_local:
            ips.append(str(address))
    if vhost.any_host:
        dns += [n for n in hostinfo.host_names() if n not in dns]
    return [f"DNS:{n}" for n in dns] + [f"IP:{a}" for a in ips]


def renewal_reason(cert: Certificate, vhost: VirtualHost, now: datetime | None = None) -> str | None:
    """Why a certificate the farm made must be made again, or None. Addresses are not compared:
    a box that gets a new address from DHCP at every boot would get a new certificate (and its
    users a new browser warning) each time."""
    if cert.days_left(now) < RENEW_DAYS:
        return f"it expires on {cert.not_after:%Y-%m-%d}"
    missing = [h for h in vhost.hosts if f"DNS:{h}" not in cert.names]
    if missing:
        return f"it does not name {', '.join(missing)}"
    return None


# ----- making and keeping ------------------------------------------------------------------

def generate(files: TlsFiles, names: list[str], days: int = VALID_DAYS) -> None:
    """A new self-signed certificate (ECDSA P-256) for `names`, replacing files.cert and
    files.key; the key is 0600 from the start."""
    first = next((n.partition(":")[2] for n in names if n.startswith("DNS:")), "pycopia-www")
    common_name = first if len(first) <= _CN_MAX else "pycopia-www"
    directory = files.cert.parent
    with tempfile.TemporaryDirectory(dir=directory, prefix=".new-") as tmp:    # mode 0700
        key, cert = Path(tmp) / "key", Path(tmp) / "cert"
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", str(key), "-out", str(cert), "-days", str(days),
             "-subj", f"/O={GENERATED_BY}/CN={common_name}",
             "-addext", "subjectAltName=" + ",".join(names),
             "-addext", "basicConstraints=critical,CA:FALSE",
             "-addext", "keyUsage=critical,digitalSignature",
             "-addext", "extendedKeyUsage=serverAuth")
        os.chmod(key, 0o600)
        os.chmod(cert, 0o644)
        key.replace(files.key)
        cert.replace(files.cert)


def prepare_kept_dir(site: Site) -> Path:
    """state_dir/tls: the invoking user's (root's, when the farm runs as root), 0700."""
    directory = paths.certificate_dir(site.farm)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        os.chown(directory, os.getuid(), os.getgid())
        os.chmod(directory, 0o700)
    except OSError as exc:
        raise ConfigError(site.farm.file, "state_dir", f"cannot prepare {directory}: {exc.strerror}") from None
    return directory


def ensure(site: Site, now: datetime | None = None) -> list[str]:
    """Every host has a usable certificate: the configured files exist and match, and the farm's
    own are made or renewed as needed. Returns what was done, one line each; raises ConfigError
    for a configured certificate that cannot be used."""
    if not site.farm.tls_port:
        return []
    prepare_kept_dir(site)
    done = []
    for vhost in site.vhosts:
        if vhost.tls is not None:
            check_pair(vhost.tls, error=lambda key, problem: ConfigError(vhost.file, key, problem))
            continue
        files = kept_files(site, vhost)
        reason = "there was none"
        if files.cert.exists() and files.key.exists():
            try:
                cert = inspect(files.cert)
            except CertificateError as exc:
                reason = str(exc)
            else:
                if not cert.generated:      # installed by the operator: theirs to renew
                    continue
                reason = renewal_reason(cert, vhost, now)
                if reason is None:
                    continue
        names = wanted_names(site, vhost)
        generate(files, names)
        done.append(f"{vhost.name}: made a self-signed certificate ({reason}) for "
                    f"{', '.join(n.partition(':')[2] for n in names)}")
    return done


def check_pair(files: TlsFiles, *, error) -> Certificate:
    """The certificate and key can be read and belong together; `error(key, problem)` makes the
    exception to raise ("tls.cert" or "tls.key")."""
    for key, path in (("tls.cert", files.cert), ("tls.key", files.key)):
        if not path.is_file():
            raise error(key, f"{path} does not exist")
    try:
        cert = inspect(files.cert)
        pair = public_key(files.cert, private=False) == public_key(files.key, private=True)
    except CertificateError as exc:
        raise error("tls.cert", str(exc)) from None
    if not pair:
        raise error("tls.key", f"{files.key} is not the private key of {files.cert}")
    return cert


def install(site: Site, vhost: VirtualHost, cert: Path, key: Path) -> Certificate:
    """Keep the operator's certificate (and chain) and key for `vhost`, in place of the one the
    farm made. Refused for a host whose configuration names its own files."""
    if vhost.tls is not None:
        raise ConfigError(vhost.file, "tls", "this host's configuration names its certificate "
                                             "files; change them there")
    given = check_pair(TlsFiles(cert, key), error=lambda _key, problem: CertificateError(problem))
    files = kept_files(site, vhost)
    prepare_kept_dir(site)
    for source, target, mode in ((key, files.key, 0o600), (cert, files.cert, 0o644)):
        _write_atomically(target, source.read_bytes(), mode, os.getuid(), os.getgid())
    return given


# ----- what lighttpd reads -----------------------------------------------------------------

def stage(site: Site, directory: Path, *, as_root: bool) -> bool:
    """Copy every host's certificate and key to directory/<host>.crt and .key for lighttpd: the
    key the front-end user's, 0600, in a directory only root writes. True if anything changed."""
    if not site.farm.tls_port:
        return False
    front_uid = pwd.getpwnam(site.farm.frontend_user).pw_uid if as_root else os.getuid()
    front_gid = _front_gid(site) if as_root else os.getgid()
    directory.mkdir(exist_ok=True)
    os.chown(directory, os.getuid(), front_gid)
    os.chmod(directory, 0o750)
    changed = False
    for vhost in site.vhosts:
        files = files_of(site, vhost)
        for source, suffix, mode in ((files.cert, "crt", 0o644), (files.key, "key", 0o600)):
            try:
                data = source.read_bytes()
            except OSError as exc:
                key = "tls.cert" if suffix == "crt" else "tls.key"
                raise ConfigError(vhost.file, key if vhost.tls else "",
                                  f"cannot read {source}: {exc.strerror}"
                                  + ("" if vhost.tls else " (run `websitectl setup`)")) from None
            target = directory / f"{vhost.name}.{suffix}"
            changed |= _write_atomically(target, data, mode, front_uid, front_gid)
    return changed


def _front_gid(site: Site) -> int:
    from .lighttpd import frontend_group
    return grp.getgrnam(frontend_group(site)).gr_gid


def _write_atomically(target: Path, data: bytes, mode: int, uid: int, gid: int) -> bool:
    """Replace target with data (owner and mode set before it appears); False if it already
    held exactly that."""
    try:
        st = target.stat()
        if (target.read_bytes() == data and (st.st_mode & 0o7777, st.st_uid, st.st_gid)
                == (mode, uid, gid)):
            return False
    except OSError:
        pass
    tmp = target.with_name(f".{target.name}.tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        os.fchown(f.fileno(), uid, gid)
        os.fchmod(f.fileno(), mode)
        f.write(data)
    tmp.replace(target)
    return True


def trusted_hosts(site: Site) -> set[str]:
    """Names of the virtual hosts whose certificate is not self-signed: only they send
    Strict-Transport-Security (a browser told to insist on HTTPS with a certificate it cannot
    verify would lock its user out with no way to click through)."""
    trusted = set()
    for vhost in site.vhosts:
        try:
            if not inspect(files_of(site, vhost).cert).self_signed:
                trusted.add(vhost.name)
        except CertificateError:
            pass
    return trusted
