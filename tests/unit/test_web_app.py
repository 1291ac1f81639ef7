"""The backend application as a whole: build_app, the URL tree, uploads cleaned up, wrappers that
fail, the markup resolver."""
import io
import re

import pytest

from pycopia_www import markup
from pycopia_www.testing import Client
from pycopia_www.web.app import build_app
from pycopia_www.compose import load
from pycopia_www.web.urlmap import UrlMap
from webapps import DOCS, MAIN, make_site, track_spooled_files


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return make_site(tmp_path_factory.mktemp("site"))


def test_url_tree_lists_every_route_with_its_full_path_pattern(site):
    table = UrlMap.from_site(site).table()
    assert ("main", "main.admin", r"^/admin/users/(?P<name>[a-z]+)$", "webapps.echo.echo", "admin-user") in table
    assert ("docs", "docs.docs", r"^/(?P<page>[a-z-]+)\.html$", "webapps.echo.echo", "manual") in table
    assert ("main", "main.admin", r"^/admin$", "webapps.echo.echo", "admin-bare") in table
    assert len(table) == sum(len(UrlMap.from_site(site).module(b).routes) for b in site.backends)
    for _, _, pattern, _, _ in table:
        re.compile(pattern)


def test_loader_builds_the_backends_app_from_the_site_it_is_given(site):
    app = load(site, site.backend("main.admin"))
    assert app.backend.ident == "main.admin"
    assert Client(app).get("/admin/users/bob").json()["kwargs"] == {"name": ["str", "'bob'"]}


def test_loader_imports_every_handler_before_the_first_request(site):
    """The prefork master loads the app before forking: its workers then share the handlers'
    modules instead of each importing its own copy at its first request."""
    b = site.backend("main.admin")
    app = load(site, b)
    routes = UrlMap.from_site(site).module(b).routes
    assert len(app.dispatcher._handlers) == len(routes) > 1


def test_single_backend_client_refuses_paths_it_does_not_own(site):
    client = Client(build_app(site, site.backend("main.admin")))
    with pytest.raises(ValueError, match="not below the prefix"):
        client.get("/administrator")


def test_uploads_are_closed_once_the_response_is_sent(site, monkeypatch):
    created = track_spooled_files(monkeypatch)
    r = Client.for_site(site).post("/upload", files={"f": ("a", b"abc", "text/plain")})
    assert r.status == 200 and len(created) == 1 and created[0].closed


def test_malformed_requests_through_the_whole_app(site):
    client = Client.for_site(site)
    base = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/form", "QUERY_STRING": "",
            "SERVER_NAME": "main.test", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "CONTENT_TYPE": "application/x-www-form-urlencoded"}
    r = client.call(dict(base, CONTENT_LENGTH="12", **{"wsgi.input": io.BytesIO(b"name=x")}))
    assert r.status == 400 and b"shorter than its Content-Length" in r.body
    r = client.call(dict(base, CONTENT_LENGTH="x1", **{"wsgi.input": io.BytesIO(b"name=x")}))
    assert r.status == 400 and b"invalid Content-Length" in r.body
    r = client.call(dict(base, PATH_INFO="/\xc3(", CONTENT_LENGTH="0", **{"wsgi.input": io.BytesIO()}))
    assert r.status == 400 and b"not valid UTF-8" in r.body


def failing_wrapper(app):
    def wrapped(environ, start_response):
        raise RuntimeError("wrapper broke")
    return wrapped


def test_a_failing_wsgi_wrapper_is_a_500(tmp_path, monkeypatch, caplog):
    (tmp_path / "wrapped.py").write_text(
        "from pycopia_www.urls import route\n"
        "routes = [route(r'^/$', 'webapps.echo.echo')]\n"
        "middleware = ['test_web_app.failing_wrapper']\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    site = make_site(tmp_path / "s", main=MAIN.replace("webapps.ui.urls", "wrapped"), docs=DOCS)
    r = Client.for_site(site).get("/")
    assert r.status == 500 and b"wrapper broke" not in r.body
    assert "wrapper broke" in caplog.text


def test_markup_pages_resolve_urls_like_request_get_url(site):
    r = Client.for_site(site).get("/markup", headers={"Accept": "text/html"})
    assert b'href="/row/t/2"' in r.body and b'href="http://docs.test/intro.html"' in r.body
    assert r.headers["Vary"] == "Accept"
    # Only during the request: nothing is left installed afterwards.
    assert markup.context.get_url_resolver() is None


def test_configured_middleware_wraps_the_route_modules_own(tmp_path):
    """etc/backends.d's `middleware` list is outermost, then the route module's list; every WSGI
    wrapper wraps the whole application from outside (docs/decisions.md)."""
    site = make_site(tmp_path, main=MAIN.replace('app = "webapps.ui.urls"',
                                                 'app = "webapps.ui.urls"\n    middleware = ["webapps.ui.hooks.Inner"]'))
    r = Client.for_backend(site, "main.ui").get("/")
    assert r.headers["X-Order"].startswith("wsgi.in,inner.before,outer.before,inner.before")


def test_configured_middleware_that_cannot_be_imported_names_config_file_and_key(tmp_path):
    from pycopia_www.config import ConfigError
    site = make_site(tmp_path, main=MAIN.replace('app = "webapps.ui.urls"',
                                                 'app = "webapps.ui.urls"\n    middleware = ["webapps.nope.Hook"]'))
    with pytest.raises(ConfigError) as info:
        build_app(site, site.backend("main.ui"))
    assert info.value.file.endswith("main.toml") and info.value.key == "backend[0].middleware[0]"
