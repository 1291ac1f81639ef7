"""`websitectl cert`: show each virtual host's certificate, renew the ones the farm made, install
the operator's own. A running farm is reloaded so lighttpd serves the new one at once."""
import sys
from pathlib import Path

from ..config import ConfigError, Site, VirtualHost, load_site
from . import certificates
from .certificates import CertificateError


def pick(site: Site, name: str | None) -> list[VirtualHost]:
    if name is None:
        return list(site.vhosts)
    for v in site.vhosts:
        if name == v.name or name in v.hosts:
            return [v]
    raise ConfigError(site.farm.backends_dir, "hosts",
                      f"no virtual host {name!r} (there are: {', '.join(v.name for v in site.vhosts)})")


def describe(site: Site, vhost: VirtualHost) -> list[str]:
    files = certificates.files_of(site, vhost)
    try:
        cert = certificates.inspect(files.cert)
    except CertificateError as exc:
        return [f"{vhost.name}: no usable certificate: {exc}"]
    if vhost.tls is not None:
        source = "configured (tls in its virtual host file)"
    elif cert.generated:
        source = "made by the farm (self-signed; renewed automatically)"
    else:
        source = "installed with `websitectl cert install`"
    names = ", ".join(n.partition(":")[2] for n in cert.names) or "(none)"
    return [f"{vhost.name}: {source}",
            f"  subject      {cert.subject}",
            f"  issuer       {'itself (self-signed)' if cert.self_signed else cert.issuer}",
            f"  names        {names}",
            f"  expires      {cert.not_after:%Y-%m-%d %H:%M} UTC ({cert.days_left():.0f} days)",
            f"  sha256       {cert.fingerprint}",
            f"  files        {files.cert}  {files.key}"]


def cmd_cert(args) -> int:
    site = load_site(args.farm)
    if not site.farm.tls_port:
        print(f"HTTPS is off in {site.farm.file} (tls_port = 0)", file=sys.stderr)
        return 1
    action = args.action or "show"
    if action == "show":
        for i, vhost in enumerate(pick(site, args.host)):
            print(("\n" if i else "") + "\n".join(describe(site, vhost)))
        return 0
    if action == "renew":
        done = []
        for vhost in pick(site, args.host):
            try:
                line = _renew(site, vhost, args.force)
            except CertificateError as exc:
                print(f"{vhost.name}: {exc}", file=sys.stderr)
                return 1
            if line:
                done.append(line)
                print(line)
        if not done:
            print("nothing to renew")
        return _reload_if_running(site) if done else 0
    # install
    (vhost,) = pick(site, args.host)
    try:
        cert = certificates.install(site, vhost, Path(args.cert), Path(args.key))
    except CertificateError as exc:
        print(f"not installed: {exc}", file=sys.stderr)
        return 1
    print(f"{vhost.name}: installed {cert.subject}, expires {cert.not_after:%Y-%m-%d}")
    return _reload_if_running(site)


def _renew(site: Site, vhost: VirtualHost, force: bool) -> str | None:
    if vhost.tls is not None:
        raise CertificateError("its certificate is configured (tls); renew those files yourself")
    files = certificates.kept_files(site, vhost)
    if files.cert.exists():
        cert = certificates.inspect(files.cert)
        if not cert.generated:
            raise CertificateError("its certificate was installed by you; install the renewed one")
        reason = "asked to" if force else certificates.renewal_reason(cert, vhost)
        if reason is None:
            return None
    else:
        reason = "there was none"
    certificates.prepare_kept_dir(site)
    certificates.generate(files, certificates.wanted_names(site, vhost))
    return f"{vhost.name}: made a new self-signed certificate ({reason})"


def _reload_if_running(site: Site) -> int:
    from .cli import NotRunning, ask
    try:
        reply = ask(site.farm, "reload", timeout=120)
    except (NotRunning, OSError):
        return 0            # the next start serves it
    if not reply.get("ok"):
        print(f"the running farm refused to reload: {reply.get('error')}", file=sys.stderr)
        return 1
    print("the running farm reloaded: lighttpd serves it now")
    return 0


def add_parser(sub) -> None:
    cert = sub.add_parser("cert", help="show, renew or install the virtual hosts' TLS certificates")
    actions = cert.add_subparsers(dest="action")
    show = actions.add_parser("show", help="each host's certificate: who made it, names, expiry (the default)")
    show.add_argument("host", nargs="?", help="a virtual host (name or host name); default: all")
    renew = actions.add_parser("renew", help="make the farm's self-signed certificates again if due")
    renew.add_argument("host", nargs="?", help="a virtual host (name or host name); default: all")
    renew.add_argument("--force", action="store_true", help="even if not due yet")
    install = actions.add_parser("install", help="serve your own certificate for a host "
                                                 "instead of the self-signed one")
    install.add_argument("host", help="the virtual host (name or host name)")
    install.add_argument("cert", help="PEM certificate, followed by its intermediate certificates")
    install.add_argument("key", help="PEM private key")
    cert.set_defaults(action=None, host=None, force=False)
