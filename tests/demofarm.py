"""The demo site's own configuration (demo/etc) in a throw-away farm: real websitectl, lighttpd
and backends under real users. Browser tests and the conformance tests share one per session
(the `demo_farm` fixture of tests/conftest.py).

The farm runs the virtual hosts of demo/etc/backends.d as they are, except that the backends'
users are this run's test users (pwww-ui -> pwww-t-ui-<run id>, farmkit.test_user), static and
migrations directories are absolute paths into the
repository, and the default host's /browser-test/ serves tests/browser/pages (a blank page to
import /pwww/proxy.js into).
"""
import json
import tomllib
from pathlib import Path

from farmkit import REPO, Farm, test_user

DEMO = REPO / "demo"
BROWSER_PAGES = Path(__file__).resolve().parent / "browser" / "pages"


def _toml_value(value) -> str:
    # JSON strings, numbers, booleans and arrays of them are also valid TOML.
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def farm_user(user: str) -> str:
    return test_user(user[len("pwww-"):]) if user.startswith("pwww-") else user


def adapt_vhost(file: Path, tweak=None) -> str:
    """One file of demo/etc/backends.d, adapted to a test farm (see the module docstring); each
    backend's table passed through `tweak(backend) -> backend` if given (the benchmarks)."""
    site = tomllib.loads(file.read_text())
    static = {url: str(DEMO / directory) for url, directory in site.get("static", {}).items()}
    if site.get("default"):
        static["/browser-test/"] = str(BROWSER_PAGES)
    lines = [f"{key} = {_toml_value(value)}" for key, value in site.items()
             if key not in ("static", "backend")]
    if static:
        lines.append(f"static = {_toml_value(static)}")
    for backend in site["backend"]:
        if "database_migrations" in backend:        # relative to the demo, not to the test farm
            backend["database_migrations"] = str(DEMO / backend["database_migrations"])
        if tweak is not None:
            backend = tweak(backend)
        lines.append("\n[[backend]]")
        lines += [f"{key} = {_toml_value(farm_user(value) if key == 'user' else value)}"
                  for key, value in backend.items()]
    return "\n".join(lines) + "\n"


def demo_farm(tweak=None, **options) -> Farm:
    """The demo farm, not started yet (call .start(), and .cleanup() when done). `tweak`: see
    adapt_vhost; `options` go to Farm (python=...)."""
    files = sorted((DEMO / "etc" / "backends.d").glob("*.toml"))
    return Farm({file.stem: adapt_vhost(file, tweak) for file in files},
                farm_extra=f'pythonpath = ["{DEMO}"]\n', **options)
