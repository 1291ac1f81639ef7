"""`websitectl urls` and `websitectl url`: the URL tree and get_url, computed by the web layer's
loader running as a backend's user (root never imports a route module)."""
import sys

from ..config import Backend, ConfigError, Site, load_site
from ..farm.accounts import run_loader_as, user_exists

NOBODY = "nobody"

def _importer(site: Site, host: str | None = None) -> tuple[Backend, str | None]:
    """Whose credentials import the route modules: the user of a local backend of the virtual
    host (every backend imports every route module of its site when it starts), preferably not
    root; before `websitectl setup` has created any of them, `nobody`. Returns the backend
    (whose import paths are used) and the user to run as instead of its own (or None)."""
    vhosts = site.vhosts
    if host is not None:
        vhosts = [v for v in vhosts if host == v.name or host in v.hosts] or vhosts
    local = [b for v in vhosts for b in v.backends if not b.remote] or list(site.local_backends)
    if not local:
        raise ConfigError(site.farm.backends_dir, "backend", "no local backend to import the routes as")
    for b in sorted(local, key=lambda b: b.user == "root"):
        if user_exists(b.user):
            return b, None
    return local[0], NOBODY


def _ask(site: Site, args: list[str], host: str | None = None) -> dict:
    b, user = _importer(site, host)
    reply = run_loader_as(site, b, sys.executable, args, user=user)
    if reply.get("errors"):
        raise ConfigError(**reply["errors"][0])
    return reply


def cmd_urls(args) -> int:
    rows = [("HOST", "BACKEND", "PATTERN", "HANDLER", "NAME")]
    rows += [tuple(row) for row in _ask(load_site(args.farm), ["urls"])["rows"]]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4])
    return 0


def cmd_url(args) -> int:
    for item in args.params:
        if "=" not in item:
            print(f"parameters are key=value, not {item!r}", file=sys.stderr)
            return 2
    reply = _ask(load_site(args.farm), ["url", args.target, args.host or "-", *args.params])
    if "error" in reply:
        print(reply["error"], file=sys.stderr)
        return 1
    print(reply["url"])
    return 0


def add_parsers(sub) -> None:
    sub.add_parser("urls", help="print the whole URL tree: host, backend, pattern, handler, name")
    url = sub.add_parser("url", help="reverse a handler or route name to its URL")
    url.add_argument("target", help="a route name or a handler's dotted path")
    url.add_argument("params", nargs="*", help="key=value parameters")
    url.add_argument("--host", default=None, help="a virtual host (name or host name): absolute URL")


COMMANDS = {"urls": cmd_urls, "url": cmd_url}
