"""The generated lighttpd configuration: routing order, quoting, remote hosts, and lighttpd -tt."""
import os
import textwrap
from pathlib import Path

import pytest

from pycopia_www.config import load_site
from pycopia_www.farm import lighttpd
from pycopia_www.farm.checks import check_lighttpd_config

REPO = Path(__file__).resolve().parents[2]

HOST = """\
    hosts = ["a.example", "www.a.example"]
    static = { "/media/" = "media" }
    [[backend]]
    name = "root"
    user = "nobody"
    prefix = "/"
    app = "x.y"
    [[backend]]
    name = "short"
    user = "nobody"
    prefix = "/ab"
    app = "x.y"
    [[backend]]
    name = "long"
    user = "nobody"
    prefix = "/ab/cd"
    app = "x.y"
    [[backend]]
    name = "rx"
    user = "nobody"
    match = '^/(api|svc)/\\d+$'
    app = "x.y"
    [[backend]]
    name = "far"
    user = "nobody"
    prefix = "/far"
    app = "x.y"
    addresses = ["10.1.1.1:9000", "[::1]:9001"]
    """
DEFAULT = """\
    default = true
    [[backend]]
    name = "only"
    user = "nobody"
    prefix = "/"
    app = "x.y"
    """


@pytest.fixture
def site(tmp_path):
    (tmp_path / "etc" / "backends.d").mkdir(parents=True)
    (tmp_path / "media").mkdir()
    (tmp_path / "etc" / "farm.toml").write_text("")
    (tmp_path / "etc" / "backends.d" / "a.toml").write_text(textwrap.dedent(HOST))
    (tmp_path / "etc" / "backends.d" / "z.toml").write_text(textwrap.dedent(DEFAULT))
    return load_site(tmp_path / "etc" / "farm.toml")


def test_routing_order_regex_then_longest_prefix(site):
    vhost = site.vhosts[0]
    assert [b.name for b in vhost.routing_order()] == ["rx", "long", "far", "short", "root"]


def test_sites_conf_shape(site):
    text = lighttpd.sites_conf(site)
    a = text.index('$HTTP["host"] =~ "^(a\\.example|www\\.a\\.example)(:[0-9]+)?$"')
    default = text.index("# virtual host z")
    # The default host is no longer a catch-all: unknown names get 421 (security review M6).
    misdirected = text.index("else {  # a host name no virtual host answers: 421")
    assert a < default < misdirected
    # static first, then the regex backend, then prefixes on segment boundaries, root last
    order = [text.index(s) for s in ('"^/(media/|pwww/)"', '"^/(api|svc)/\\d+$"', '"^/ab/cd(/|$)"',
                                     '"^/ab(/|$)"', '/a.root.sock')]
    assert order == sorted(order)
    assert '"host" => "10.1.1.1", "port" => 9000' in text and '"host" => "::1", "port" => 9001' in text
    assert '"/ab" => (' in text          # no trailing slash on the fastcgi prefix


def test_quote_refuses_what_lighttpd_would_misread():
    assert lighttpd.quote('a"b') == '"a\\"b"'
    assert lighttpd.quote("^a\\.b$") == '"^a\\.b$"'    # backslashes stay literal in lighttpd
    with pytest.raises(ValueError):
        lighttpd.quote("ends with\\")


def test_farm_conf_drops_to_front_end_user_only_as_root(site):
    assert 'server.username = "www-data"' in lighttpd.farm_conf(site, as_root=True)
    assert "server.username" not in lighttpd.farm_conf(site, as_root=False)
    assert "server.port = 9999" in lighttpd.farm_conf(site, port=9999, as_root=False)


def test_generated_config_passes_lighttpd_tt(site):
    check_lighttpd_config(site, port=None, as_root=os.geteuid() == 0)


def test_lighttpd_tt_failure_is_reported(site, tmp_path):
    broken = tmp_path / "broken.conf"
    broken.write_text("server.modules = ( \n")
    from dataclasses import replace
    from pycopia_www.config import ConfigError
    bad = replace(site, farm=replace(site.farm, lighttpd_conf=broken))
    with pytest.raises(ConfigError) as info:
        check_lighttpd_config(bad, port=None, as_root=False)
    assert "lighttpd -tt rejects" in str(info.value) and str(broken) in str(info.value)


EVENTS = """\
    hosts = ["e.example"]
    static = { "/media/" = "media" }
    [[backend]]
    name = "ui"
    user = "nobody"
    prefix = "/"
    app = "x.y"
    publish = ["net.*"]
    [[backend]]
    name = "events"
    kind = "events"
    user = "nobody"
    prefix = "/events"
    topics = { "net.*" = [] }
    """


def test_an_events_backends_responses_are_streamed(site, tmp_path):
    (tmp_path / "etc" / "backends.d" / "e.toml").write_text(textwrap.dedent(EVENTS))
    site = load_site(tmp_path / "etc" / "farm.toml")
    text = lighttpd.sites_conf(site)
    block = text[text.index("# backend e.events"):]
    block = block[:block.index("}")]
    assert "server.stream-response-body = 2" in block and "x-sendfile" not in block
    assert text.count("server.stream-response-body") == 1        # the other backends buffer
    farm = lighttpd.farm_conf(site, as_root=False)
    assert "server.max-fds = 9216" in farm and "server.max-connections = 5120" in farm
    check_lighttpd_config(site, port=None, as_root=os.geteuid() == 0)
