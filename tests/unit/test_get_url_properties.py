"""Property: for every route of the test site and generated parameters, get_url(h, **p) leads
(through the test client, as lighttpd would route it) to h called with p; parameters that do not
fit the route raise NoReverseMatch; and whatever get_url returns is never a wrong URL."""
import datetime
import inspect
import re
import typing
import uuid
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pycopia_www.testing import Client
from pycopia_www.urls import load_routes
from pycopia_www.web.handlers import resolve_dotted
from pycopia_www.web.reverse import NoReverseMatch
from pycopia_www.web.urlmap import UrlMap
from webapps import make_site
from webapps.echo import Color

ROUTE_MODULES = {"webapps.ui.urls": None, "webapps.api.urls": None, "webapps.admin.urls": None,
                 "webapps.docs.urls": "docs"}
ROUTES = [(r, host) for module, host in ROUTE_MODULES.items() for r in load_routes(module).routes
          if r.name and r.target.startswith("webapps.echo.")]
WITH_PARAMS = [(r, host) for r, host in ROUTES if r.regex.groupindex]
TYPED = {int: st.integers(-10**12, 10**12), uuid.UUID: st.uuids(), datetime.date: st.dates(),
         Color: st.sampled_from(Color)}
# Text a URL can carry unchanged through lighttpd: no controls, no surrogates.
URL_TEXT = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
# Pieces that percent-encoding, decoding and lighttpd's normalisation could get wrong.
TRICKY = ["%41", "%", "%2F", "?", "#", "/", ".", "..", " ", "+", "&", "=", ";", "\\", "é", "€", "a",
          "~", "'", "\u2028", "\U0001F600"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.filter_too_much])


def group_pattern(pattern: str, name: str) -> str:
    """The text of the named group's sub-pattern."""
    start = pattern.index(f"(?P<{name}>") + len(f"(?P<{name}>")
    depth, i, in_class = 1, start, False
    while depth:
        c = pattern[i]
        if c == "\\":
            i += 1
        elif c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif not in_class:
            depth += {"(": 1, ")": -1}.get(c, 0)
        i += 1
    return pattern[start:i - 1]


def stable(text: str) -> bool:
    """Values lighttpd would rewrite on the way in (get_url refuses them, rightly)."""
    return text not in ("", ".", "..") and "//" not in text and not re.search(r"(^|/)\.\.?(/|$)", text) \
        and not text.startswith("/") and not text.endswith("/")


def params_strategy(route, valid: bool = True):
    handler = resolve_dotted(route.target)
    hints = typing.get_type_hints(handler)
    names = list(route.regex.groupindex)
    strategies = {}
    for name in names:
        kind = hints.get(name, str)
        if kind in TYPED:
            strategies[name] = TYPED[kind].filter(lambda v: not isinstance(v, int) or v >= 0) \
                if "-?" not in group_pattern(route.pattern, name) and kind is int else TYPED[kind]
        else:
            sub = group_pattern(route.pattern, name)
            tricky = st.lists(st.sampled_from(TRICKY), min_size=1).map("".join).filter(
                lambda text, sub=sub: re.fullmatch(sub, text) is not None)
            strategies[name] = st.one_of(st.from_regex(sub, fullmatch=True, alphabet=URL_TEXT),
                                         tricky).filter(stable)
    return st.fixed_dictionaries(strategies)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return make_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def urls(site):
    return UrlMap.from_site(site).default


@pytest.fixture(scope="module")
def client(site):
    return Client.for_site(site)


def expected(handler, params):
    return {"handler": f"{handler.__module__}.{handler.__qualname__}",
            "kwargs": {k: [type(v).__name__, repr(v)] for k, v in params.items()}}


@pytest.mark.parametrize("route, host", ROUTES, ids=[r.name for r, _ in ROUTES])
def test_round_trip(route, host, urls, client):
    handler = resolve_dotted(route.target)

    @SETTINGS
    @given(params_strategy(route))
    def check(params):
        url = urls.get_url(handler, _host=host, **params)
        assert not url.startswith("//")
        response = client.get(url)
        assert response.status == 200, (url, response.body)
        assert response.json() == expected(handler, params), url
        # By name: this very route (the handler may have another route with these parameters).
        by_name = urls.get_url(route.name, _host=host, **params)
        assert client.get(by_name).json() == expected(handler, params), by_name
    check()


@pytest.mark.parametrize("route, host", WITH_PARAMS, ids=[r.name for r, _ in WITH_PARAMS])
def test_parameters_that_do_not_fit_raise(route, host, urls):
    names = list(route.regex.groupindex)
    handler = resolve_dotted(route.target)

    @SETTINGS
    @given(st.sampled_from(names), st.text())
    def check(name, text):
        sub = group_pattern(route.pattern, name)
        if re.fullmatch(sub, text):
            text += "/\x00"          # no group accepts a NUL, nor can a URL carry it
        params = {n: "0" for n in names} | {name: text}
        with pytest.raises(NoReverseMatch):
            urls.get_url(handler, _host=host, **params)
    check()


@pytest.mark.parametrize("route, host", WITH_PARAMS, ids=[r.name for r, _ in WITH_PARAMS])
def test_any_text_either_raises_or_resolves_to_the_same_route_and_text(route, host, urls):
    """get_url never imports views (they may belong to another backend), so it guarantees the
    route and the text of every group; whether an annotation accepts that text is the handler's
    business (a value of the annotated type always round-trips, see test_round_trip)."""
    names = list(route.regex.groupindex)
    handler = resolve_dotted(route.target)
    vhost = urls.site_map.vhost(host) if host else urls

    @SETTINGS
    @given(st.fixed_dictionaries({n: st.text() for n in names}))
    def check(params):
        try:
            url = urls.get_url(handler, _host=host, **params)
        except NoReverseMatch:
            return
        resolved = vhost.resolve(unquote(urlsplit(url).path))
        assert resolved.placed.route is route or resolved.placed.key == route.key, url
        assert resolved.groups == params, url
    check()


def test_round_trip_covers_every_echo_route():
    # Guard against the route list silently shrinking (e.g. a renamed fixture module).
    assert len(ROUTES) >= 14
    assert {host for _, host in ROUTES} == {None, "docs"}
    assert all(inspect.isfunction(resolve_dotted(r.target)) for r, _ in ROUTES)
