"""The dispatcher: handler kinds, methods, conversions, lazy imports, middleware order, errors."""
import logging
import sys
import textwrap

import pytest

from pycopia_www.config import ConfigError
from pycopia_www.testing import Client
from pycopia_www.web.app import build_app, check_handlers
from pycopia_www.web.urlmap import UrlMap
from webapps import DOCS, MAIN, make_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return make_site(tmp_path_factory.mktemp("site"))


@pytest.fixture()
def client(site):
    return Client.for_site(site)


def test_plain_function_with_converted_parameters(client):
    assert client.get("/row/users/42").json() == {"table": "users", "row": 42}
    thing = client.get("/thing/12345678-1234-5678-1234-567812345678").json()
    assert thing == {"id": "12345678-1234-5678-1234-567812345678", "type": "UUID"}


def test_any_callable_is_a_handler(client, site):
    from webapps.ui import views
    first = client.get("/calls/5").json()
    assert first["n"] == 5 and client.get("/calls/6").json()["calls"] == first["calls"] + 1
    # get_url finds an instance by identity among the routed handlers.
    assert UrlMap.from_site(site).default.get_url(views.counter, n=7) == "/calls/7"


def test_value_that_does_not_convert_is_404_not_500(client):
    assert client.get("/thing/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz").status == 404
    assert client.get("/echo/d/2024-02-30").status == 404          # no such date
    assert client.get("/echo/c/blue").status == 404                # no such enum member
    assert client.get("/echo/c/red").json()["kwargs"] == {"c": ["Color", "<Color.red: 'red'>"]}


def test_optional_group_that_did_not_match_uses_the_default(client):
    assert client.get("/page").json() == {"n": 1}
    assert client.get("/page/5").json() == {"n": 5}


def test_no_route_is_404(client):
    r = client.get("/no/such/page")
    assert r.status == 404 and r.text == "custom 404: Nothing matches the given URI"


def test_class_handler_with_inherited_methods(client):
    assert client.get("/draft/a").text == "get a"
    assert client.post("/draft/a", data={"title": "T"}).text == "post a T"
    assert client.put("/draft/a", body=b"text").text == "put a text"
    assert client.delete("/draft/a").text == "deleted a"


def test_head_falls_back_to_get(client):
    r = client.head("/article/x")
    assert r.status == 200 and r.body == b"" and r.headers["Content-Length"] == "5"


def test_options_is_answered_from_the_methods_present(client):
    r = client.options("/draft/a")
    assert r.status == 204 and r.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, POST, PUT"
    assert client.options("/article/a").headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, POST"


@pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")
def test_other_verbs_are_405_with_allow(client):
    r = client.put("/article/a", body=b"")
    assert r.status == 405 and r.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, POST"
    assert client.request("BREW", "/article/a").status == 405


def test_methods_option_for_functions(client):
    assert client.get("/form").text == "the form"
    r = client.delete("/form")
    assert r.status == 405 and r.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.options("/form").headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    # Without methods= a function answers every method.
    assert client.delete("/").status == 200


def test_views_are_imported_lazily_by_the_backend_that_owns_them(site):
    for name in [n for n in sys.modules if n.startswith("webapps.") and n.endswith("views")]:
        del sys.modules[name]
    client = Client.for_site(site)
    client.get("/admin/users/ann")                # admin's handler lives in webapps.echo
    assert "webapps.ui.views" not in sys.modules
    client.get("/")
    assert "webapps.ui.views" in sys.modules


def test_handler_that_cannot_be_imported_is_500_and_logged(client, caplog):
    with caplog.at_level(logging.ERROR, logger="pycopia_www.web"):
        r = client.get("/broken-import")
    assert r.status == 500 and b"Traceback" not in r.body
    assert "webapps.ui.missing" in caplog.text


def test_500_has_no_traceback_unless_debug_and_is_always_logged(client, caplog):
    with caplog.at_level(logging.ERROR, logger="pycopia_www.web"):
        quiet = client.get("/boom")
        loud = client.get("/admin/boom")           # the admin backend has debug = true
    assert quiet.status == loud.status == 500
    assert b"Traceback" not in quiet.body and b"ZeroDivisionError" not in quiet.body
    assert b"Traceback" in loud.body and b"ZeroDivisionError: division by zero" in loud.body
    assert caplog.text.count("ZeroDivisionError") >= 2


def test_http_errors_become_pages_with_escaped_reasons(client):
    # The farm's pages come in the shipped layout (pycopia_www.compose); the reason is a paragraph.
    r = client.get("/raise/418")
    assert r.status == 418 and b'<p class="reason">short and stout</p>' in r.body
    r = client.get("/raise/500")
    assert r.status == 500 and b"generic" in r.body
    # The ui backend replaces its 404 page; the admin backend keeps the default.
    r = client.get("/raise/404")
    assert r.status == 404 and r.text == "custom 404: no such <thing>"
    r = client.get("/admin/nothing")
    assert r.status == 404 and b"404 Not Found</h1>" in r.body


def test_default_error_page_escapes():
    from pycopia_www.web.errorpages import default_page
    from pycopia_www.web.errors import BadRequest
    body = b"".join(default_page(BadRequest("<script>x</script>"))({}, lambda *a: None))
    assert b"<script>" not in body and b"&lt;script&gt;" in body


def test_failing_error_page_falls_back_to_the_default(tmp_path, monkeypatch, caplog):
    (tmp_path / "badpage.py").write_text(textwrap.dedent("""
        from pycopia_www.urls import route
        routes = [route(r"^/$", "webapps.echo.echo")]
        def page(request, error):
            raise RuntimeError("page broke")
        error_pages = {404: page}
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    site = make_site(tmp_path / "s", main=MAIN.replace("webapps.ui.urls", "badpage"), docs=DOCS)
    with caplog.at_level(logging.ERROR, logger="pycopia_www.web"):
        r = Client.for_site(site).get("/nothing")
    assert r.status == 404 and b"<h1>404 Not Found</h1>" in r.body and "page broke" in caplog.text


def test_middleware_order(client):
    r = client.get("/request")
    # First listed hook is outermost: in first, out last. A WSGI wrapper wraps the whole
    # application from outside, hooks included: it sees the request first and the response
    # (wsgi.out, after the last hook's after) last.
    assert r.json()["hooks"] == ["wsgi.in", "outer.before", "inner.before"]
    assert r.headers["X-Order"] == "wsgi.in,outer.before,inner.before,inner.after,outer.after"
    assert r.headers["X-Wsgi"] == "yes"


def test_hook_can_answer_before_the_handler(client):
    r = client.get("/request?stop=outer")
    # Nothing inside the hook ran (the handler, the inner hook); a hook that answers does not
    # post-process its own answer. (The WSGI wrapper is outside every hook: X-Wsgi is there.)
    assert r.text == "stopped by outer" and "X-Order" not in r.headers


def test_hooks_see_errors_as_responses(client):
    r = client.get("/boom")
    assert r.status == 500 and r.headers["X-Order"].endswith("inner.before,inner.after,outer.after")


def write_backend(tmp_path, monkeypatch, body):
    (tmp_path / "backendmod.py").write_text("from pycopia_www.urls import route\n" + textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("backendmod", None)
    site = make_site(tmp_path / "s", main=MAIN.replace("webapps.ui.urls", "backendmod"), docs=DOCS)
    return site, site.backend("main.ui")


@pytest.mark.parametrize("body, key, problem", [
    ('routes = []\nlimits = {"max_bodyy": 1}', "limits", "unknown limit"),
    ('routes = []\nlimits = {"max_body": -1}', "limits", "non-negative"),
    ('routes = []\nerror_pages = {200: "a.b"}', "error_pages[200]", "400-599"),
    ('routes = []\nmiddleware = [42]', "middleware[0]", "hook"),
    ('routes = []\nmiddleware = ["nowhere.at.all"]', "middleware[0]", "cannot import"),
    ('routes = [route(r"^/$", "a.b", max_body="big")]', "routes[0] (line 2)", "non-negative"),
])
def test_backend_module_settings_are_checked(tmp_path, monkeypatch, body, key, problem):
    site, backend = write_backend(tmp_path, monkeypatch, body)
    with pytest.raises(ConfigError) as info:
        build_app(site, backend)
    assert info.value.file.endswith("backendmod.py") and info.value.key == key
    assert problem in info.value.problem


def test_plain_wsgi_backend_has_no_app_to_build(tmp_path, monkeypatch):
    site, backend = write_backend(tmp_path, monkeypatch, "def application(e, s): pass\n")
    with pytest.raises(ConfigError, match="has no `routes` list"):
        build_app(site, backend)


def test_check_handlers_reports_what_would_fail_at_the_first_request(tmp_path, monkeypatch):
    site, backend = write_backend(tmp_path, monkeypatch, """
        routes = [
            route(r"^/a/(?P<x>\\d+)$", "webapps.echo.echo_int"),
            route(r"^/b$", "webapps.echo.nothing"),
            route(r"^/c/(?P<i>\\d+)$", "webapps.echo.echo_int"),
            route(r"^/d$", "webapps.echo.Color"),
        ]
    """)
    problems = check_handlers(UrlMap.from_site(site), backend)
    assert [p.key.split(" ")[0] for p in problems] == ["routes[0]", "routes[1]", "routes[3]"]
    assert "no keyword parameter 'x'" in problems[0].problem
    assert "has no attribute 'nothing'" in problems[1].problem
    assert "needs one of get" in problems[2].problem


def test_unregistered_annotation_is_a_handler_error(tmp_path, monkeypatch):
    (tmp_path / "annviews.py").write_text("class Odd: pass\ndef f(request, x: Odd): return 'x'\n")
    site, backend = write_backend(tmp_path, monkeypatch, 'routes = [route(r"^/(?P<x>\\w+)$", "annviews.f")]\n')
    problems = check_handlers(UrlMap.from_site(site), backend)
    assert "no converter for annotation" in problems[0].problem
    from pycopia_www.web.convert import register_converter
    import annviews
    register_converter(annviews.Odd, lambda text: annviews.Odd())
    assert check_handlers(UrlMap.from_site(site), backend) == []


def test_a_hook_may_turn_an_exception_into_an_error_response(tmp_path, monkeypatch):
    """on_error: a hook translates what the layers inside it raise (as the database hook turns
    an integrity error into 409); what no hook takes is a 500; after() still sees the result."""
    site, backend = write_backend(tmp_path, monkeypatch, """
        from pycopia_www.web.errors import Conflict

        class Translate:
            def on_error(self, request, exc):
                return Conflict(f"taken: {exc}") if isinstance(exc, KeyError) else None

            def after(self, request, response):
                response.headers.set("X-Seen", str(response.status))

        def taken(request):
            raise KeyError("name")

        def broken(request):
            raise ValueError("no")

        routes = [route(r"^/taken$", "backendmod.taken"), route(r"^/broken$", "backendmod.broken")]
        middleware = [Translate]
    """)
    client = Client(build_app(site, backend))
    r = client.get("/taken")
    assert r.status == 409 and "taken: &#x27;name&#x27;" in r.text
    assert r.headers["X-Seen"] == "409"
    r = client.get("/broken")
    assert r.status == 500 and r.headers["X-Seen"] == "500"
