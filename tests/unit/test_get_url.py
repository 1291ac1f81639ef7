"""get_url: by name, dotted path or handler object; across backends and virtual hosts; every URL
re-matched, and refused (NoReverseMatch, with the routes tried) when it would not lead back."""
import datetime
import uuid

import pytest

from pycopia_www.testing import Client
from pycopia_www.web.reverse import NoReverseMatch
from pycopia_www.web.urlmap import UrlMap
from webapps import make_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return make_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def urls(site):
    return UrlMap.from_site(site).default


def refused(urls, target, **params) -> NoReverseMatch:
    with pytest.raises(NoReverseMatch) as info:
        urls.get_url(target, **params)
    return info.value


def test_by_name_dotted_path_and_object(urls):
    from webapps.ui import views
    assert urls.get_url("row", table="t", row=3) == "/row/t/3"
    assert urls.get_url("webapps.ui.views.row", table="t", row=3) == "/row/t/3"
    assert urls.get_url(views.row, table="t", row=3) == "/row/t/3"
    assert urls.get_url(views.Article, slug="a-b") == "/article/a-b"
    assert urls.get_url("webapps.ui.views:form") == urls.get_url("webapps.ui.views.form") == "/form"


def test_handler_object_found_by_identity_when_reexported(urls):
    import webapps.echo as echo

    class Alias:
        pass
    alias = Alias()
    alias.__call__ = echo.echo_int
    assert urls.get_url(echo.echo_int, i=5) == "/echo/i/5"
    with pytest.raises(NoReverseMatch):
        urls.get_url(alias, i=5)


def test_other_backends_of_the_same_host(urls):
    assert urls.get_url("admin-user", name="ann") == "/admin/users/ann"
    assert urls.get_url("admin-bare") == "/admin"
    assert urls.get_url("admin-home") == "/admin/"
    assert urls.get_url("user", uid=7) == "/api/users/7"


def test_other_virtual_host_is_absolute_with_its_canonical_name(urls):
    assert urls.get_url("manual", page="intro", _host="docs") == "http://docs.test/intro.html"
    assert urls.get_url("manual", page="intro", _host="docs.test") == "http://docs.test/intro.html"
    e = refused(urls, "manual", page="intro")
    assert "virtual host 'main'" in str(e)
    with pytest.raises(NoReverseMatch, match="unknown virtual host"):
        urls.get_url("home", _host="nowhere.test")


def test_external_query_and_fragment(urls):
    assert urls.get_url("home", _external=True) == "http://main.test/"
    assert urls.get_url("query", _query={"q": "a b&c", "n": [1, 2]}, _fragment="x y") == \
        "/query?q=a%20b%26c&n=1&n=2#x%20y"
    assert urls.get_url("query", _query=[("k", "v"), ("k", "w")]) == "/query?k=v&k=w"


def test_port_and_bound_origin(tmp_path):
    m = UrlMap.from_site(make_site(tmp_path, port=8080)).default
    assert m.get_url("home", _external=True) == "http://main.test:8080/"
    bound = m.bind("https", "www.main.test", 443)
    assert bound.get_url("home", _external=True) == "https://www.main.test/"
    assert bound.get_url("manual", page="a", _host="docs") == "https://docs.test/a.html"
    # A Host header that is not a plain host name is not put into URLs.
    assert m.bind("http", "evil/x", 80).get_url("home", _external=True) == "http://main.test/"


def test_parameters_are_converted_and_percent_encoded(urls):
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert urls.get_url("thing", id=u) == f"/thing/{u}"
    assert urls.get_url("echo-d", d=datetime.date(2024, 2, 29)) == "/echo/d/2024-02-29"
    assert urls.get_url("echo-s", s="a b?c#d%e") == "/echo/s/a%20b%3Fc%23d%25e"
    assert urls.get_url("echo-s", s="ünï") == "/echo/s/%C3%BCn%C3%AF"
    assert urls.get_url("echo-p", p="a/b c") == "/echo/p/a/b%20c"
    from webapps.echo import Color
    assert urls.get_url("echo-c", c=Color.green) == "/echo/c/green"


def test_value_that_does_not_match_is_refused_with_the_reason(urls):
    e = refused(urls, "row", table="t", row="x")
    assert e.tried and "'/row/t/x' does not match" in e.tried[0][1]
    assert "route 1 of main.ui" in e.tried[0][0] and "webapps/ui/urls.py" in e.tried[0][0]
    refused(urls, "echo-s", s="a/b")                     # [^/]+ cannot hold a slash
    refused(urls, "row", table="t", row=-1)


def test_group_must_give_back_the_parameter(urls):
    # (?P<a>\w+)-(?P<b>\d+): a="x-1", b=2 renders "x-1-2", which matches as a="x", no: \w has no
    # '-', so it fails; a="x", b=12 is fine.
    assert urls.get_url("echo-two", a="x", b=12) == "/echo/two/x-12.txt"
    refused(urls, "echo-two", a="x-1", b=2)


def test_missing_and_extra_parameters(urls):
    e = refused(urls, "row", table="t")
    assert "missing row" in str(e)
    e = refused(urls, "row", table="t", row=1, page=2)
    assert "unexpected page" in str(e) and "_query" in str(e)
    assert urls.get_url("row", table="t", row=1, _query={"page": 2}) == "/row/t/1?page=2"
    assert "unexpected x" in str(refused(urls, "home", x=1))       # a route without parameters
    with pytest.raises(NoReverseMatch, match="_query"):
        urls.get_url("home", _query={"a": None})
    with pytest.raises(NoReverseMatch, match="_query"):
        urls.get_url("home", _query={"a": "\ud800"})


def test_shadowed_by_an_earlier_route_of_the_same_backend(urls):
    e = refused(urls, "item", name="new")
    assert "resolves to the earlier route 2 of main.ui" in str(e)
    assert urls.get_url("item", name="old") == "/item/old"


def test_root_backend_urls_that_lighttpd_sends_elsewhere(tmp_path, monkeypatch):
    (tmp_path / "catchall.py").write_text(
        "from pycopia_www.urls import route\n"
        "routes = [route(r'^/(?P<page>.+)$', 'pkg.v.f', name='page'),"
        "          route(r'^/$', 'pkg.v.f', name='home')]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from webapps import MAIN
    urls = UrlMap.from_site(make_site(tmp_path / "s", main=MAIN.replace("webapps.ui.urls", "catchall"))).default
    assert urls.get_url("page", page="about") == "/about"
    assert "goes to backend main.api first" in str(refused(urls, "page", page="status"))
    assert "goes to backend main.api first" in str(refused(urls, "page", page="api/x"))
    assert "goes to backend main.admin first" in str(refused(urls, "page", page="admin/x"))
    assert urls.get_url("page", page="administrator") == "/administrator"
    assert "static directory /media/" in str(refused(urls, "page", page="media/x"))
    assert urls.get_url("page", page="media") == "/media"


def test_never_scheme_relative_and_no_dot_segments(urls):
    for p in ["/evil.example/x", "a//b", "..", "a/../b", "a/./b", "a/.", "./a"]:
        e = refused(urls, "echo-p", p=p)
        assert "lighttpd rewrites" in str(e), p
    assert urls.get_url("echo-p", p="a.b/..c/.d") == "/echo/p/a.b/..c/.d"


def test_control_characters_are_refused(urls):
    assert "control character" in str(refused(urls, "echo-s", s="a\nb"))
    assert "control character" in str(refused(urls, "echo-s", s="a\x00"))


def test_empty_value_where_the_regex_allows_it(urls):
    # "/echo/any//end" matches the regex, but lighttpd would collapse the "//".
    assert "lighttpd rewrites" in str(refused(urls, "echo-any", x=""))
    assert urls.get_url("echo-any", x="y") == "/echo/any/y/end"


def test_irreversible_route_by_name_and_optional_group_by_handler(urls):
    e = refused(urls, "about")
    assert "alternation" in str(e)
    # An optional group: reversed with and without its parameter.
    assert urls.get_url("webapps.ui.views.page", n=2) == "/page/2"
    assert urls.get_url("webapps.ui.views.page") == "/page"
    assert "this route takes none or n" in str(refused(urls, "webapps.ui.views.page", m=2))


def test_a_handler_with_several_routes_uses_the_one_whose_parameters_fit(urls):
    # webapps.echo.echo is routed many times with different groups.
    assert urls.get_url("webapps.echo.echo", s="x") == "/echo/s/x"
    assert urls.get_url("webapps.echo.echo", p="x/y") == "/echo/p/x/y"
    # A handler in another backend, not the one of this virtual host: admin is main's.
    assert urls.get_url("webapps.echo.echo", name="bob") == "/admin/users/bob"
    e = refused(urls, "webapps.echo.echo", zzz=1)
    assert len(e.tried) >= 5 and all("parameters" in why for _, why in e.tried)


def test_unknown_target(urls):
    assert "no route is named so" in str(refused(urls, "nope"))
    assert "no route is named so" in str(refused(urls, len))


def test_none_and_unconvertible_values_are_refused(urls):
    assert "cannot be converted" in str(refused(urls, "echo-s", s=None))


def test_request_get_url_uses_the_request_host_port_and_scheme(site):
    client = Client.for_site(site)
    links = client.get("/links", headers={"Host": "www.main.test:8443"}).json()
    assert links == {
        "home": "/", "row": "/row/t/3", "admin": "/admin/users/ann", "api": "/api/users/7",
        "docs": "http://docs.test:8443/intro.html",
        "self": "http://www.main.test:8443/links?q=a%20b#top",
    }


def test_every_url_resolves_back(urls):
    resolved = urls.resolve("/admin/users/ann")
    assert resolved.backend.ident == "main.admin" and resolved.groups == {"name": "ann"}
    assert urls.resolve("/media/logo.txt").static == "/media/"
    assert urls.resolve("/status").backend.ident == "main.api"
    assert urls.resolve("/nothing/here").placed is None
