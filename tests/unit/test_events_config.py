"""Topics, the events backend kind and `publish`: the grammar, and every configuration error
naming file, key and problem."""
import textwrap
from pathlib import Path

import pytest

from pycopia_www.config import ConfigError, load_site
from pycopia_www.config import topics
from pycopia_www.config.site import EVENTS_SERVER

HOST = """\
    hosts = ["a.example"]
    default = true
    [auth]
    backend = "auth"
    [[backend]]
    name = "auth"
    user = "nobody"
    prefix = "/auth"
    app = "pycopia_www.auth.urls"
    [[backend]]
    name = "ui"
    user = "nobody"
    prefix = "/"
    app = "handlers.ui.urls"
    publish = ["net.*", "demo.status"]
    [[backend]]
    name = "events"
    kind = "events"
    user = "nobody"
    prefix = "/events"
    auth = "optional"
    topics = { "net.*" = [], "net.secret" = ["admin"], "demo.status" = [] }
    """


def load(tmp_path: Path, text: str = HOST):
    (tmp_path / "etc" / "backends.d").mkdir(parents=True, exist_ok=True)
    (tmp_path / "etc" / "farm.toml").write_text("")
    (tmp_path / "etc" / "backends.d" / "a.toml").write_text(textwrap.dedent(text))
    return load_site(tmp_path / "etc" / "farm.toml")


def error(tmp_path, text) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    assert info.value.file.endswith("a.toml")
    return info.value


def test_an_events_backend_loads_with_its_defaults(tmp_path):
    site = load(tmp_path)
    vhost = site.vhosts[0]
    events = vhost.events_backend
    assert (events.kind, events.app, events.workers) == ("events", EVENTS_SERVER, 1)
    s = events.events
    assert [r.pattern for r in s.topics][-1] == "net.*"          # names before patterns
    assert (s.replay, s.max_streams_per_session, s.max_streams_per_client) == (32, 8, 32)
    assert site.backend("a.ui").publish == ("net.*", "demo.status")
    assert site.backend("a.ui").kind == "app" and site.backend("a.ui").events is None


def test_read_roles_of_names_and_patterns(tmp_path):
    s = load(tmp_path).vhosts[0].events_backend.events
    assert s.roles_to_read("net.eth0") == frozenset()
    assert s.roles_to_read("net.secret") == {"admin"}
    assert s.roles_to_read("net.*") == {"admin"}        # a pattern needs what it may deliver
    assert s.roles_to_read("demo.status") == frozenset()
    assert s.roles_to_read("other") is None and s.roles_to_read("other.*") is None
    assert s.roles_to_read("*") == {"admin"}


@pytest.mark.parametrize("name, good", [
    ("demo.status", True), ("net.eth0.rx", True), ("a", True), ("a.0-b_c", True),
    ("Net", False), ("0net", False), ("net.", False), (".net", False), ("net..x", False),
    ("net.*", False), ("net status", False), ("x" * 129, False), ("", False)])
def test_topic_names(name, good):
    assert (topics.check_name(name) is None) == good


@pytest.mark.parametrize("pattern, good", [
    ("net.*", True), ("*", True), ("net", True), ("net.eth0.*", True),
    ("net*", False), ("*.net", False), ("net.*.rx", False), ("net.**", False), (".*", False)])
def test_topic_patterns(pattern, good):
    assert (topics.check_pattern(pattern) is None) == good


def test_what_a_pattern_covers():
    assert topics.covers("net.*", "net.eth0") and topics.covers("net.*", "net.eth0.rx")
    assert not topics.covers("net.*", "net") and not topics.covers("net.*", "network.x")
    assert topics.covers("*", "anything.at.all") and topics.covers("net", "net")
    assert topics.overlap("net.*", "net.eth0.*") and topics.overlap("net.eth0", "net.*")
    assert topics.overlap("*", "a") and not topics.overlap("net.*", "sys.*")
    assert not topics.overlap("net.*", "net")


@pytest.mark.parametrize("change, key, words", [
    (('kind = "events"', 'kind = "stream"'), "backend[2].kind", "must be one of"),
    (('topics = {', 'app = "x.y"\n    topics = {'), "backend[2].app", "does not apply to an events backend"),
    (('kind = "events"', 'kind = "events"\n    workers = 2'), "backend[2].workers", "does not apply"),
    (('kind = "events"', 'kind = "events"\n    publish = ["net.*"]'), "backend[2].publish", "does not apply"),
    (('auth = "optional"', 'auth = "required"'), "backend[2].auth", 'auth = "optional"'),
    (('"net.*" = []', '"net.*" = "admin"'), "backend[2].topics.'net.*'", "list of the roles"),
    (('"net.*" = []', '"net.*" = ["Admin"]'), "backend[2].topics.'net.*'", "not a role name"),
    (('"net.*" = []', '"net.**" = []'), "backend[2].topics.'net.**'", "not a topic pattern"),
    (('"net.*" = []', '"pwww.x" = []'), "backend[2].topics.'pwww.x'", "belong to the framework"),
    (('"net.*" = []', '"*" = []'), "backend[2].topics.'*'", "belong to the framework"),
    (('topics = { "net.*" = [], "net.secret" = ["admin"], "demo.status" = [] }', 'topics = {}'),
     "backend[2].topics", "at least one topic"),
    (('auth = "optional"\n', ''), "backend[2].topics", 'need auth = "optional"'),
    (('kind = "events"', 'kind = "events"\n    replay = -1'), "backend[2].replay", "0-10000"),
    (('kind = "events"', 'kind = "events"\n    heartbeat = 0'), "backend[2].heartbeat", "at least"),
    (('kind = "events"', 'kind = "events"\n    max_event = 100000'), "backend[2].max_event", "256-60000"),
    (('publish = ["net.*", "demo.status"]', 'publish = ["sys.*"]'), "backend[1].publish[0]",
     "matches no topic of backend events"),
    (('publish = ["net.*", "demo.status"]', 'publish = ["net"]'), "backend[1].publish[0]", "matches no topic"),
    (('publish = ["net.*", "demo.status"]', 'publish = ["Net"]'), "backend[1].publish[0]", "not a topic pattern"),
    (('publish = ["net.*", "demo.status"]', 'topics = { "x" = [] }'), "backend[1].topics",
     'applies only to kind = "events"'),
    (('publish = ["net.*", "demo.status"]', 'publish = ["net.*"]\n    addresses = ["10.0.0.1:9000"]'),
     "backend[1].publish", "remote backend cannot publish"),
    (('publish = ["net.*", "demo.status"]', 'publish = ["net.*"]\n    wake_topics = ["demo.status"]'),
     "backend[1].wake_topics[0]", "not among what this backend may publish"),
    (('publish = ["net.*", "demo.status"]', 'publish = ["net.eth0"]\n    wake_topics = ["net.*"]'),
     "backend[1].wake_topics[0]", "not among what this backend may publish"),
    (('publish = ["net.*", "demo.status"]', 'publish = ["net.*"]\n    wake_topics = ["Net"]'),
     "backend[1].wake_topics[0]", "not a topic pattern"),
    (('kind = "events"', 'kind = "events"\n    wake_topics = ["net.*"]'), "backend[2].wake_topics",
     "does not apply"),
    (('kind = "events"', 'kind = "events"\n    start = "later"'), "backend[2].start", "must be one of"),
    (('kind = "events"', 'kind = "events"\n    idle_timeout = 60'), "backend[2].idle_timeout",
     'needs start = "on-demand"'),
])
def test_events_configuration_errors(tmp_path, change, key, words):
    old, new = change
    assert old in HOST
    e = error(tmp_path, HOST.replace(old, new, 1))
    assert e.key == key and words in e.problem, str(e)


def test_an_events_backend_and_a_publisher_woken_by_its_listeners_start_on_demand(tmp_path):
    site = load(tmp_path, HOST.replace('publish = ["net.*", "demo.status"]',
                                       'publish = ["net.*", "demo.status"]\n    start = "on-demand"\n'
                                       '    wake_topics = ["demo.status", "net.eth.*"]')
                .replace('kind = "events"', 'kind = "events"\n    start = "on-demand"\n    idle_timeout = 60'))
    events, ui = site.vhosts[0].events_backend, site.backend("a.ui")
    assert events.on_demand and events.idle_timeout == 60
    assert ui.on_demand and ui.wake_topics == ("demo.status", "net.eth.*")
    assert load(tmp_path).backend("a.ui").wake_topics == ()


def test_publish_needs_an_events_backend_in_the_same_file(tmp_path):
    text = HOST[:HOST.index("    [[backend]]\n    name = \"events\"")]
    e = error(tmp_path, text)
    assert e.key == "backend[1].publish" and 'kind = "events"' in e.problem


def test_one_events_backend_per_virtual_host(tmp_path):
    second = HOST[HOST.index("    [[backend]]\n    name = \"events\""):].replace(
        'name = "events"', 'name = "more"').replace('prefix = "/events"', 'prefix = "/more"')
    e = error(tmp_path, HOST + second)
    assert e.key == "backend[3].kind" and "one events backend" in e.problem



def test_the_demo_site_declares_its_topics():
    site = load_site(Path(__file__).resolve().parents[2] / "demo" / "etc" / "farm.toml")
    events = site.vhosts[-1].events_backend
    assert events is not None and events.events.roles_to_read("demo.status") == frozenset()
