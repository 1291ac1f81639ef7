"""Route tables: data, checked at load time, with errors naming the module's file and the entry."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pycopia_www.config import ConfigError
from pycopia_www.urls import load_routes, route
from pycopia_www.web.urlmap import UrlMap
from webapps import MAIN, make_site

HERE = Path(__file__).resolve().parent


def write_module(tmp_path, monkeypatch, name, body):
    (tmp_path / f"{name}.py").write_text("from pycopia_www.urls import route\n" + textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(name, None)
    return str(tmp_path / f"{name}.py")


def load_error(tmp_path, monkeypatch, body, name="routes_under_test") -> ConfigError:
    file = write_module(tmp_path, monkeypatch, name, body)
    with pytest.raises(ConfigError) as info:
        load_routes(name)
    assert info.value.file == file
    return info.value


def test_route_records_its_arguments_and_line():
    r = route(r"^/x/(?P<id>\d+)$", "pkg.views.show", name="show", methods=["GET"])
    assert (r.pattern, r.target, r.name, r.methods) == (r"^/x/(?P<id>\d+)$", "pkg.views.show", "show",
                                                        frozenset({"GET"}))
    assert r.line == sys._getframe().f_lineno - 3


def test_load_routes_compiles_every_pattern():
    table = load_routes("webapps.admin.urls")
    assert table.file.endswith("webapps/admin/urls.py")
    assert [r.name for r in table.routes] == ["admin-bare", "admin-home", "admin-user", "admin-boom"]
    assert table.routes[2].regex.match("/users/ann").group("name") == "ann"


def test_unnamed_group_names_file_and_route():
    with pytest.raises(ConfigError) as info:
        load_routes("webapps.bad_unnamed")
    e = info.value
    assert e.file.endswith("webapps/bad_unnamed.py")
    assert e.key == "routes[1] (line 5)"
    assert r"^/row/(\d+)$" in e.problem and "capturing group 1 has no name" in e.problem


def test_non_capturing_and_named_groups_are_fine(tmp_path, monkeypatch):
    write_module(tmp_path, monkeypatch, "okroutes", r'''
        routes = [route(r"^/(?:a|b)/(?P<x>\d+)$", "pkg.v.f")]
    ''')
    assert load_routes("okroutes").routes[0].regex.groups == 1


@pytest.mark.parametrize("body, expected", [
    ('routes = [route(r"^/(unclosed", "pkg.v.f")]', "not a valid regular expression"),
    ('routes = [route(r"^/$", "f")]', "dotted path"),
    ('routes = [route(r"^/$", "pkg.v.f", name="a b")]', "route name"),
    ('routes = [route(r"^/$", "pkg.v.f", name="a"), route(r"^/b$", "pkg.v.g", name="a")]',
     "also used by routes[0]"),
    ('routes = [route(r"^/$", "pkg.v.f", methods="GET")]', "methods="),
    ('routes = [route(r"^/(?P<_query>x)$", "pkg.v.f")]', "reserved"),
    ('routes = ["^/$"]', "must be route(...)"),
    ('routes = {"a": 1}', "must be a list"),
])
def test_bad_entries_are_config_errors(tmp_path, monkeypatch, body, expected):
    e = load_error(tmp_path, monkeypatch, body)
    assert expected in e.problem


def test_module_without_routes_is_a_plain_wsgi_app(tmp_path, monkeypatch):
    write_module(tmp_path, monkeypatch, "plainwsgi", "def application(e, s): pass\n")
    assert load_routes("plainwsgi") is None


def test_route_module_imports_no_view_code():
    code = ("import sys; sys.path.insert(0, %r); import webapps.ui.urls; "
            "print('webapps.ui.views' in sys.modules, 'webapps.echo' in sys.modules)" % str(HERE))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_url_map_imports_no_view_code(tmp_path):
    site = make_site(tmp_path)
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from pycopia_www.config import load_site\n"
            "from pycopia_www.web.urlmap import UrlMap\n"
            "m = UrlMap.from_site(load_site(%r))\n"
            "m.default.get_url('row', table='t', row=1)\n"
            "print(sorted(n for n in sys.modules if n.endswith(('.views', '.echo', '.hooks'))))"
            % (str(HERE), str(site.farm.file)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_route_names_are_unique_within_a_virtual_host(tmp_path, monkeypatch):
    write_module(tmp_path, monkeypatch, "clash", 'routes = [route(r"^/x$", "pkg.v.f", name="home")]\n')
    site = make_site(tmp_path / "site", main=MAIN.replace("webapps.api.urls", "clash"))
    with pytest.raises(ConfigError) as info:
        UrlMap.from_site(site)
    assert info.value.file.endswith("clash.py") and "'home' is also used by" in info.value.problem


def test_same_name_in_two_virtual_hosts_is_fine(tmp_path):
    site = make_site(tmp_path, main=MAIN, other=MAIN.replace("main.test", "other.test")
                     .replace("default = true", ""))
    m = UrlMap.from_site(site)
    assert m.vhost("other").get_url("home", _external=True) == "http://other.test/"


def test_unimportable_route_module_names_the_backend(tmp_path):
    site = make_site(tmp_path, main=MAIN.replace("webapps.api.urls", "webapps.nonexistent"))
    with pytest.raises(ConfigError) as info:
        UrlMap.from_site(site)
    assert info.value.key == "backend[1].app" and "webapps.nonexistent" in info.value.problem


def test_module_attr_apps_are_not_imported(tmp_path):
    site = make_site(tmp_path, main=MAIN.replace('"webapps.api.urls"', '"not.imported:application"'))
    m = UrlMap.from_site(site)
    assert m.module(site.backend("main.api")) is None
