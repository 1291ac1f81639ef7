"""Configuration loading: every error names the file, the key and the problem."""
import textwrap
from pathlib import Path

import pytest

from pycopia_www.config import ConfigError, load_site

REPO = Path(__file__).resolve().parents[2]

GOOD_FARM = ""
GOOD_HOST = """\
    hosts = ["a.example"]
    default = true
    [[backend]]
    name = "ui"
    user = "nobody"
    prefix = "/"
    app = "handlers.ui.urls"
    """


def make(tmp_path: Path, farm: str = GOOD_FARM, **hosts: str) -> Path:
    (tmp_path / "etc" / "backends.d").mkdir(parents=True)
    (tmp_path / "etc" / "farm.toml").write_text(textwrap.dedent(farm))
    for name, text in (hosts or {"a": GOOD_HOST}).items():
        (tmp_path / "etc" / "backends.d" / f"{name}.toml").write_text(textwrap.dedent(text))
    return tmp_path / "etc" / "farm.toml"


def error(tmp_path, farm=GOOD_FARM, **hosts) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_site(make(tmp_path, farm, **hosts))
    return info.value


def test_good_config_loads_with_defaults(tmp_path):
    site = load_site(make(tmp_path))
    (b,) = site.backends
    assert (b.ident, b.user, b.group, b.prefix, b.workers, b.max_requests, b.timeout) == \
        ("a.ui", "nobody", None, "/", 2, 0, 30.0)
    assert site.farm.run_dir == tmp_path / "var" / "run"
    assert site.farm.port == 8080


def test_unknown_key_names_file_and_key(tmp_path):
    e = error(tmp_path, a=GOOD_HOST + 'wokers = 3\n')
    assert e.file.endswith("backends.d/a.toml") and e.key == "backend[0].wokers"
    assert "unknown key" in str(e)


def test_unknown_farm_key(tmp_path):
    e = error(tmp_path, farm=GOOD_FARM + "prot = 80\n")
    assert e.file.endswith("farm.toml") and e.key == "prot"


def test_missing_user(tmp_path):
    e = error(tmp_path, a=GOOD_HOST.replace('    user = "nobody"\n', ""))
    assert e.key == "backend[0].user" and "missing" in e.problem


def test_duplicate_prefix(tmp_path):
    second = '\n    [[backend]]\n    name = "two"\n    user = "nobody"\n    prefix = "/"\n    app = "x.y"\n'
    e = error(tmp_path, a=GOOD_HOST + second)
    assert e.key == "backend[1].prefix" and "duplicate" in e.problem


def test_bad_regex(tmp_path):
    e = error(tmp_path, a=GOOD_HOST.replace('prefix = "/"', "match = '^/(unclosed'"))
    assert e.key == "backend[0].match" and "regular expression" in e.problem


def test_prefix_and_match_are_exclusive(tmp_path):
    e = error(tmp_path, a=GOOD_HOST.replace('prefix = "/"', "prefix = \"/\"\n    match = '^/x'"))
    assert e.key == "backend[0].prefix"


@pytest.mark.parametrize("prefix", ["/app/", "app", "/a b", "/a/../b"])
def test_bad_prefixes(tmp_path, prefix):
    e = error(tmp_path, a=GOOD_HOST.replace('prefix = "/"', f'prefix = "{prefix}"'))
    assert e.key == "backend[0].prefix"


def test_wrong_type(tmp_path):
    e = error(tmp_path, a=GOOD_HOST + "workers = \"two\"\n")
    assert e.key == "backend[0].workers" and "integer" in e.problem


def test_bad_remote_address(tmp_path):
    e = error(tmp_path, a=GOOD_HOST + 'addresses = ["10.0.0.1"]\n')
    assert e.key == "backend[0].addresses[0]"


def test_static_directory_must_exist(tmp_path):
    e = error(tmp_path, a='static = { "/media/" = "nowhere" }\n' + GOOD_HOST)
    assert e.key == "static.'/media/'" and "not a directory" in e.problem


def test_two_defaults(tmp_path):
    e = error(tmp_path, a=GOOD_HOST, b=GOOD_HOST.replace("a.example", "b.example"))
    assert e.key == "default" and e.file.endswith("b.toml")


def test_host_declared_twice(tmp_path):
    e = error(tmp_path, a=GOOD_HOST, b=GOOD_HOST.replace("default = true", ""))
    assert e.key == "hosts[0]" and "a.toml" in e.problem


def test_invalid_toml(tmp_path):
    e = error(tmp_path, a="hosts = [")
    assert e.file.endswith("a.toml") and "TOML" in e.problem


def test_default_host_is_last(tmp_path):
    site = load_site(make(tmp_path, a=GOOD_HOST, b=GOOD_HOST.replace("a.example", "b.example")
                          .replace("default = true", "")))
    assert [v.name for v in site.vhosts] == ["b", "a"]


def test_https_and_log_defaults(tmp_path):
    site = load_site(make(tmp_path))
    farm = site.farm
    assert (farm.tls_port, farm.redirect_to_https, farm.logs.max_size, farm.logs.keep) == \
        (8443, False, 4 << 20, 2)
    assert site.vhosts[0].tls is None and not site.redirects_to_https(site.vhosts[0])


def test_redirect_per_farm_and_per_host(tmp_path):
    site = load_site(make(tmp_path, "redirect_to_https = true\n",
                          a=GOOD_HOST, b='hosts = ["b.example"]\nredirect_to_https = false\n'
                          + GOOD_HOST.replace('hosts = ["a.example"]\n    default = true\n', "")))
    by_name = {v.name: v for v in site.vhosts}
    assert site.redirects_to_https(by_name["a"]) and not site.redirects_to_https(by_name["b"])
    off = load_site(make(tmp_path / "off", "redirect_to_https = true\ntls_port = 0\n"))
    assert not off.redirects_to_https(off.vhosts[0])      # no HTTPS: nothing to redirect to


@pytest.mark.parametrize("farm,key,problem", [
    ("tls_port = 70000\n", "tls_port", "not a TCP port"),
    ("port = 9000\ntls_port = 9000\n", "tls_port", "must differ from port"),
    ("redirect_to_https = 1\n", "redirect_to_https", "true or false"),
    ("[logs]\nmax_size = 100\n", "logs.max_size", "at least 4096"),
    ("[logs]\nkeep = 0\n", "logs.keep", "1-99"),
    ("[logs]\nsize = 100\n", "logs.size", "unknown key"),
])
def test_https_and_log_errors(tmp_path, farm, key, problem):
    e = error(tmp_path, farm=farm)
    assert e.key == key and problem in e.problem


def test_tls_files_relative_to_the_site_root(tmp_path):
    site = load_site(make(tmp_path, a='tls = { cert = "certs/a.pem", key = "/k/a.key" }\n' + GOOD_HOST))
    tls = site.vhosts[0].tls
    assert (tls.cert, tls.key) == (tmp_path / "certs" / "a.pem", Path("/k/a.key"))


def test_root_puts_the_site_apart_from_its_configuration(tmp_path):
    (tmp_path / "site" / "media").mkdir(parents=True)
    farm_file = make(tmp_path / "conf", f'root = "{tmp_path / "site"}"\n',
                     a='static = { "/media/" = "media" }\n' + GOOD_HOST)
    site = load_site(farm_file)
    assert site.farm.root == tmp_path / "site"
    assert site.farm.pythonpath == (tmp_path / "site",)
    assert site.vhosts[0].static["/media/"] == tmp_path / "site" / "media"
    assert site.farm.run_dir == tmp_path / "site" / "var" / "run"


ROOT_HOST = GOOD_HOST.replace('user = "nobody"', 'user = "root"')


def test_l6_a_root_backend_keeps_what_run_as_needs_unless_it_lists_its_capabilities(tmp_path):
    (b,) = load_site(make(tmp_path / "a", a=ROOT_HOST)).backends
    assert b.capabilities == ("CAP_SETUID", "CAP_SETGID", "CAP_KILL")
    listed = ROOT_HOST + '    capabilities = ["CAP_NET_BIND_SERVICE", "cap_setuid"]\n'
    (b,) = load_site(make(tmp_path / "b", a=listed)).backends
    assert b.capabilities == ("CAP_NET_BIND_SERVICE", "CAP_SETUID")
    (b,) = load_site(make(tmp_path / "c", a=ROOT_HOST + "    capabilities = []\n")).backends
    assert b.capabilities == ()
    (b,) = load_site(make(tmp_path / "d")).backends
    assert b.capabilities == ()                     # any other user: none at all


@pytest.mark.parametrize("text, key, problem", [
    (ROOT_HOST + '    capabilities = ["CAP_FLY"]\n', "backend[0].capabilities[0]",
     "'CAP_FLY' is not a Linux capability"),
    (ROOT_HOST + '    capabilities = "CAP_KILL"\n', "backend[0].capabilities", "must be a list"),
    (GOOD_HOST + '    capabilities = ["CAP_KILL"]\n', "backend[0].capabilities",
     'capabilities need user = "root"'),
])
def test_l6_capabilities_are_checked(tmp_path, text, key, problem):
    e = error(tmp_path, a=text)
    assert e.key == key and problem in e.problem, e


def backend_of(tmp_path, extra: str):
    return load_site(make(tmp_path, a=GOOD_HOST + extra)).backends[0]


def test_footprint_keys_default_to_an_always_running_fixed_pool(tmp_path):
    b = backend_of(tmp_path, "")
    assert (b.start, b.on_demand, b.workers, b.fewest_workers, b.max_rss) == ("always", False, 2, 2, 0)


def test_on_demand_backend_with_a_worker_range_and_a_memory_bound(tmp_path):
    b = backend_of(tmp_path, 'start = "on-demand"\nidle_timeout = 60\nworkers = "1..4"\nmax_rss = "64M"\n')
    assert (b.on_demand, b.idle_timeout, b.fewest_workers, b.workers, b.max_rss) == \
        (True, 60.0, 1, 4, 64 << 20)
    assert backend_of(tmp_path / "x", 'start = "on-demand"\n').idle_timeout == 300.0
    assert backend_of(tmp_path / "y", 'workers = "3..3"\n').min_workers is None


@pytest.mark.parametrize("extra, key, problem", [
    ('start = "lazy"\n', "start", "must be one of 'always', 'on-demand'"),
    ('start = true\n', "start", "must be a string"),
    ('idle_timeout = 60\n', "idle_timeout", 'needs start = "on-demand"'),
    ('start = "on-demand"\nidle_timeout = 0.5\n', "idle_timeout", "at least 1"),
    ('start = "on-demand"\nidle_timeout = "5m"\n', "idle_timeout", "must be a number"),
    ('workers = "4..1"\n', "workers", "the fewest must not be more than the most"),
    ('workers = "0..4"\n', "workers", "1-256"),
    ('workers = "1..300"\n', "workers", "1-256"),
    ('workers = "1-4"\n', "workers", 'range "MIN..MAX"'),
    ('workers = 0\n', "workers", "1-256"),
    ('max_rss = "64"\n', "max_rss", "not a size"),
    ('max_rss = "64MB"\n', "max_rss", "not a size"),
    ('max_rss = "0M"\n', "max_rss", "not a size"),
    ('max_rss = 67108864\n', "max_rss", "must be a string"),
    ('addresses = ["10.0.0.5:9000"]\nstart = "on-demand"\n', "start", "remote backend"),
])
def test_bad_footprint_keys_name_the_key(tmp_path, extra, key, problem):
    e = error(tmp_path, a=GOOD_HOST + extra)
    assert e.key == f"backend[0].{key}" and problem in e.problem, e
