"""`websitectl init DIR`: a new site from the framework's skeleton (pycopia_www/skeleton/): one
backend, one page, one proxy, one test and a README, ready for `websitectl start` in DIR."""
import re
import sys
from pathlib import Path

SKELETON = Path(__file__).resolve().parent.parent / "skeleton"
_ACCOUNT_MAX = 32


def user_for(name: str) -> str:
    """The backend's system user: pwww-<the site's name>, as a valid account name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "site"
    return ("pwww-" + slug)[:_ACCOUNT_MAX].rstrip("-")


def create(directory: Path, name: str | None = None) -> list[Path]:
    """Copy the skeleton into `directory` (which must be empty or absent); returns the files."""
    directory = directory.resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FileExistsError(f"{directory} exists and is not an empty directory")
    name = name or directory.name
    values = {"@SITE@": name, "@USER@": user_for(name)}
    made = []
    for source in sorted(SKELETON.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        target = directory / source.relative_to(SKELETON)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        target.write_text(text, encoding="utf-8")
        made.append(target)
    # Backend users and lighttpd must reach the site's files: no private parents of our own.
    for path in [directory, *(p for p in directory.rglob("*") if p.is_dir())]:
        path.chmod(0o755)
    return made


def private_parent(directory: Path) -> Path | None:
    """The first parent other users cannot pass through (a home directory, say): the backends'
    users and lighttpd could not read a site below it."""
    for parent in directory.resolve().parents:
        if not parent.stat().st_mode & 0o001:
            return parent
    return None


def cmd_init(args) -> int:
    try:
        made = create(Path(args.directory), args.name)
    except FileExistsError as exc:
        print(f"not created: {exc}", file=sys.stderr)
        return 1
    site = Path(args.directory).resolve()
    print(f"created the site {site} ({len(made)} files); next:\n"
          f"  cd {site}\n  websitectl setup && websitectl start\n  python -m pytest")
    if (closed := private_parent(site)) is not None:
        print(f"warning: other users cannot enter {closed}, so the backends' users and lighttpd "
              f"will not reach the site when run as root; move it (e.g. to /srv/{site.name})",
              file=sys.stderr)
    return 0


def add_parser(sub) -> None:
    init = sub.add_parser("init", help="create a new site from a minimal skeleton")
    init.add_argument("directory", help="where (created; must be empty if it exists)")
    init.add_argument("--name", default=None, help="the site's name (default: the directory's)")
