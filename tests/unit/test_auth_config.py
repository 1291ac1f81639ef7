"""The [auth] table and per-backend auth/roles: strict validation, and the generated lighttpd
configuration (authorizer hosts, module order) checked by lighttpd itself."""
import os
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

from pycopia_www.config import ConfigError, load_site
from pycopia_www.farm import certificates, lighttpd
from pycopia_www.farm.checks import check_lighttpd_config, lighttpd_binary, write_generated

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
    default = true
    [auth]
    backend = "auth"
    idle_timeout = 60
    max_age = 600

    [[backend]]
    name = "auth"
    user = "nobody"
    prefix = "/auth"
    app = "pycopia_www.auth.urls"

    [[backend]]
    name = "ui"
    user = "nobody"
    prefix = "/"
    app = "x.y"

    [[backend]]
    name = "sys"
    user = "nobody"
    prefix = "/sys"
    app = "x.y"
    auth = "required"
    roles = ["admin"]
    """


def write(tmp_path, text):
    (tmp_path / "etc" / "backends.d").mkdir(parents=True, exist_ok=True)
    (tmp_path / "etc" / "farm.toml").write_text("")
    (tmp_path / "etc" / "backends.d" / "site.toml").write_text(textwrap.dedent(text))
    site = load_site(tmp_path / "etc" / "farm.toml")
    certificates.ensure(site)           # what setup does: lighttpd -tt reads them
    return site


def test_good_config(tmp_path):
    site = write(tmp_path, GOOD)
    vhost = site.vhosts[0]
    assert vhost.auth.backend == "auth" and vhost.auth.idle_timeout == 60.0
    assert vhost.auth.max_failures == 5 and vhost.auth_backend.name == "auth"
    sys_ = site.backend("site.sys")
    assert sys_.auth == "required" and sys_.roles == ("admin",)
    assert site.backend("site.ui").auth is None


@pytest.mark.parametrize("change, key, problem", [
    (('auth = "required"\n    roles', 'auth = "always"\n    roles'), "backend[2].auth", "must be one of"),
    (('auth = "required"\n', ''), "backend[2].roles", 'roles need auth = "required"'),
    (('["admin"]', '["Admin"]'), "backend[2].roles[0]", "is not a role name"),
    (('backend = "auth"', 'backend = "nope"'), "auth.backend", "no backend named 'nope'"),
    (('max_age = 600', 'max_age = 600\n    lifetime = 3'), "auth.lifetime", "unknown key"),
    (('idle_timeout = 60', 'idle_timeout = 6000'), "auth.idle_timeout", "must not be longer than max_age"),
    (('idle_timeout = 60', 'idle_timeout = -1'), "auth.idle_timeout", "greater than 0"),
    (('[auth]\n    backend = "auth"\n    idle_timeout = 60\n    max_age = 600\n', ''),
     "backend[2].auth", "no [auth] table"),
    (('app = "pycopia_www.auth.urls"', 'app = "pycopia_www.auth.urls"\n    auth = "optional"'),
     "backend[0].auth", "the auth backend itself cannot be protected"),
])
def test_errors_name_file_key_problem(tmp_path, change, key, problem):
    old, new = change
    assert old in GOOD
    with pytest.raises(ConfigError) as info:
        write(tmp_path, GOOD.replace(old, new, 1))
    assert info.value.file.endswith("site.toml") and info.value.key == key
    assert problem in info.value.problem


def test_protected_backend_gets_the_authorizer_first(tmp_path):
    site = write(tmp_path, GOOD)
    text = lighttpd.sites_conf(site)
    sys_block = text[text.index("# backend site.sys"):]
    sys_block = sys_block[:sys_block.index("))")]
    auth_host = sys_block.index('site.auth.sock", "check-local" => "disable", "mode" => "authorizer"')
    assert auth_host < sys_block.index("site.sys.sock")
    ui_block = text[text.index("# backend site.ui"):]
    assert '"mode" => "authorizer"' not in ui_block          # public backends are not asked
    check_lighttpd_config(site, port=None, as_root=os.geteuid() == 0)


def test_mod_fastcgi_is_loaded_before_scgi_and_proxy(tmp_path):
    """lighttpd skips FastCGI authorizers when mod_scgi or mod_proxy comes first: ask lighttpd
    itself (-p prints the configuration it parsed) for the module order."""
    site = write(tmp_path, GOOD)
    with tempfile.TemporaryDirectory() as tmp:
        write_generated(site, Path(tmp), port=None, as_root=False)
        out = subprocess.run([lighttpd_binary(), "-p", "-f", str(site.farm.lighttpd_conf)],
                             env={"PWWW_GENERATED": tmp, "PATH": "/usr/sbin:/usr/bin"},
                             capture_output=True, text=True, check=True).stdout
    start = out.index("server.modules")
    modules = [m for m in ("mod_fastcgi", "mod_scgi", "mod_proxy") if f'"{m}"' in out[start:]]
    positions = [out.index(f'"{m}"', start) for m in modules]
    assert modules[0] == "mod_fastcgi" and positions == sorted(positions)
