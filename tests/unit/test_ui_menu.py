"""The menu from the one URL table: route(..., menu=...) entries of every backend of a virtual
host, each shown only to the users whose roles reach it (web/menu.py, ui/layout.py)."""
import re

import pytest

from pycopia_www.config import ConfigError
from pycopia_www.markup.validate import html5_errors
from pycopia_www.testing import Client
from pycopia_www.urls import load_routes
from pycopia_www.web.urlmap import UrlMap
from webapps import make_site

HOST = """\
    hosts = ["box.test"]
    default = true
    [auth]
    backend = "auth"
    [[backend]]
    name = "auth"
    user = "nobody"
    prefix = "/auth"
    app = "pycopia_www.auth.urls"
    [[backend]]
    name = "pages"
    user = "nobody"
    prefix = "/"
    app = "webapps.menu.pages"
    auth = "optional"
    [[backend]]
    name = "admin"
    user = "nobody"
    prefix = "/admin"
    app = "webapps.menu.admin"
    auth = "required"
    roles = ["admin"]
    [[backend]]
    name = "plain"
    user = "nobody"
    prefix = "/plain"
    app = "webapps.menu.plain"
    """


@pytest.fixture()
def site(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return make_site(tmp_path, main=HOST)


@pytest.fixture()
def menu(site):
    return UrlMap.from_site(site).vhost("main").menu


def labels(entries, user=None):
    return [e.label for e in entries if e.visible_to(user)]


class _User:
    def __init__(self, *roles):
        self.roles = frozenset(roles)

    def has_roles(self, roles):
        return frozenset(roles) <= self.roles


def test_entries_of_every_backend_in_menu_order_with_their_protection(menu):
    assert [(e.label, e.url, e.order, e.section, e.backend) for e in menu] == [
        ("Home", "/", 1, None, "main.pages"),
        ("Plain", "/plain/", 30, None, "main.plain"),
        ("Mine", "/mine", 40, None, "main.pages"),
        ("Inventory", "/inventory", 45, None, "main.pages"),
        ("Operations", "/ops", 50, "Admin", "main.pages"),
        ("Users", "/admin/", 60, "Admin", "main.admin"),
        ("Health", "/admin/health", 70, None, "main.admin"),
        ("About", "/about", 100, None, "main.pages"),
    ]
    roles = {e.label: e.roles for e in menu}
    assert roles["Home"] is None and roles["Plain"] is None and roles["Health"] is None
    assert roles["Mine"] == frozenset() and roles["Operations"] == {"ops"}
    assert roles["Inventory"] == {"ops"}         # menu_roles: its route is anyone's
    assert roles["Users"] == {"admin"}           # the backend's roles (access.route_roles)
    assert next(e for e in menu if e.label == "Operations").icon == "/media/ops.svg"


def test_each_user_sees_what_their_roles_reach(menu):
    assert labels(menu) == ["Home", "Plain", "Health", "About"]
    assert labels(menu, _User()) == ["Home", "Plain", "Mine", "Health", "About"]
    assert labels(menu, _User("ops")) == ["Home", "Plain", "Mine", "Inventory", "Operations",
                                          "Health", "About"]
    assert labels(menu, _User("admin", "ops")) == [e.label for e in menu]


def test_the_layout_shows_the_menu_for_the_user_on_every_backend(site):
    client = Client.for_site(site)
    def nav(path):
        page = client.get(path, headers={"Accept": "application/xhtml+xml"}).text
        return re.findall(r'<a (?:aria-current="page" )?href="([^"]+)">(?:<img[^>]*/>)?([^<]+)</a>',
                          page[page.index("<nav"):page.index("</nav>")])
    assert [label for _, label in nav("/")] == ["Home", "Plain", "Health", "About"]
    client.login("ann", roles=["admin"])
    assert [label for _, label in nav("/")] == ["Home", "Plain", "Mine", "Users", "Health", "About"]
    page = client.get("/admin/", headers={"Accept": "application/xhtml+xml"})
    assert page.status == 200 and 'aria-current="page" href="/admin/"' in page.text
    assert html5_errors(page.body) == []
    # a backend without auth never learns who is logged in (like lighttpd, the client sends no
    # user there): its pages show the anonymous menu
    assert [label for _, label in nav("/plain/")] == ["Home", "Plain", "Health", "About"]


def test_header_has_the_user_and_log_out_or_a_log_in_link(site):
    client = Client.for_site(site)
    page = client.get("/about?x=1", headers={"Accept": "application/xhtml+xml"}).text
    assert '<a class="login" href="/auth/login?next=/about">Log in</a>' in page
    client.login("ann")
    page = client.get("/about", headers={"Accept": "application/xhtml+xml"}).text
    assert "Logged in as <strong>ann</strong>" in page and 'action="/auth/logout"' in page
    assert '<a class="site-name" href="/">box.test</a>' in page      # the host's name by default


def test_error_pages_in_the_layout_carry_the_reason(site):
    client = Client.for_site(site)
    r = client.get("/nothing/here", headers={"Accept": "application/xhtml+xml"})
    assert r.status == 404 and "<h1>404 Not Found</h1>" in r.text and '<nav class="menu"' in r.text
    assert html5_errors(r.body) == []
    r = client.get("/broken", headers={"Accept": "application/xhtml+xml"})
    assert r.status == 500 and "The server could not answer this request." in r.text
    assert "RuntimeError" not in r.text          # no traceback outside debug mode


def test_a_menu_entry_that_needs_parameters_is_a_configuration_error(tmp_path):
    site = make_site(tmp_path, main=HOST.replace('"webapps.menu.plain"', '"webapps.menu.params"'))
    with pytest.raises(ConfigError, match=r"params\.py.*routes\[0\].*menu entry 'Item': its URL "
                                          r"must need no parameters"):
        UrlMap.from_site(site)


@pytest.mark.parametrize("options,problem", [
    ({"menu": ""}, "menu= must be a non-empty string"),
    ({"menu": 3}, "menu= must be a non-empty string"),
    ({"menu": "A", "menu_order": "1"}, "menu_order= must be a whole number"),
    ({"menu": "A", "menu_order": True}, "menu_order= must be a whole number"),
    ({"menu_section": "S"}, "menu_section= needs menu="),
    ({"menu": "A", "menu_icon": 1}, "menu_icon= must be a non-empty string"),
    ({"menu": "A", "menu_roles": "admin"}, "menu_roles= must be a non-empty list of role names"),
    ({"menu": "A", "menu_roles": []}, "menu_roles= must be a non-empty list of role names"),
    ({"menu": "A", "menu_roles": ["Admin"]}, "menu_roles= must be a non-empty list of role names"),
    ({"menu_roles": ["admin"]}, "menu_roles= needs menu="),
])
def test_menu_options_are_checked_when_the_table_loads(tmp_path, monkeypatch, options, problem):
    name = f"badmenu_{abs(hash(repr(options)))}"     # a fresh module per case
    module = tmp_path / f"{name}.py"
    module.write_text("from pycopia_www.urls import route\n"
                      f"routes = [route(r'^/$', 'x.y', **{options!r})]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=re.escape(problem)):
        load_routes(name)


def test_client_login_reaches_a_protected_backend_in_one_line(site):
    assert Client.for_backend(site, "main.admin").get("/admin/").status == 401
    client = Client.for_backend(site, "main.admin", user="ann", roles=["admin"])
    assert client.get("/admin/").status == 200 and client.user.name == "ann"
    client.login("bob", roles=["ops"])
    assert client.get("/admin/").status == 403          # logged in, without the backend's role
    client.logout()
    assert client.get("/admin/").status == 401 and client.user is None
