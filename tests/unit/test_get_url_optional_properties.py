"""Properties of get_url on random route tables with optional and nested named groups:

- sound: every URL get_url returns resolves (as lighttpd and the dispatcher would route it) to the
  route it was built from, every parameter given comes back with exactly its text, and every other
  group stays out (None), except a group inside a given one, which takes what that text says;
- complete: on a table where nothing can shadow anything, every way of filling a route that its
  optional parts allow gives a URL.
"""
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pycopia_www.urls import Route, RouteModule
from pycopia_www.web.convert import to_text
from pycopia_www.web.reverse import NoReverseMatch
from pycopia_www.web.urlmap import UrlMap
from webapps import make_site, one_backend

HOST = one_backend("gen", "webapps.reversal.urls")
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
WORDS = ["a", "b", "items", "x"]
# What a group may hold: the tighter ones round-trip always, the loose ones test the refusals.
PATTERNS = [r"\d+", r"[a-z]+", r"[a-z0-9-]+", r"[^/]+", r".+", r"[a-z]*"]
TRICKY = ["", "/", "//", ".", "..", "a/b", "5", "x5", "a b", "%2F", "é", "-", "0"]


@dataclass
class Shape:
    """A generated route regex and what the test knows of its groups."""
    pattern: str = "^"
    groups: dict = field(default_factory=dict)      # name -> its sub-pattern
    inner: dict = field(default_factory=dict)       # group inside another -> the outer one
    needs: dict = field(default_factory=dict)       # optional group -> the one it is nested in
    optional: set = field(default_factory=set)
    top: list = field(default_factory=list)         # groups not inside another, in order


@st.composite
def shapes(draw, loose=True):
    """A route regex from segments; loose=False keeps every group behind a literal of its own
    and to text without '/' or '.', so that no two ways of filling it give the same URL."""
    shape, count = Shape(), 0

    def new(pattern, optional=False, parent=None):
        nonlocal count
        name = f"g{count}"
        count += 1
        shape.groups[name] = pattern
        if optional:
            shape.optional.add(name)
        if parent:
            shape.needs[name] = parent
        return name

    patterns = PATTERNS if loose else [r"\d+", r"[a-z]+"]
    kinds = ["lit", "group", "opt", "nested_opt", "nested_named", "opt_lit"]
    if loose:
        kinds += ["bare_opt", "backref"]
    # At most 3 segments: a nested optional part has 3 ways, so 3**3 = 27 stay below the
    # compiler's documented limit of 64 combinations (pattern.MAX_TEMPLATES), refused otherwise.
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=3)):
        word = f"{draw(st.sampled_from(WORDS))}{count}"      # a literal of its own per segment
        p = draw(st.sampled_from(patterns))
        if kind == "lit":
            shape.pattern += "/" + word
        elif kind == "group":
            name = new(p)
            shape.top.append(name)
            shape.pattern += f"/{word}/(?P<{name}>{p})" if not loose else f"/(?P<{name}>{p})"
        elif kind == "opt":
            name = new(p, optional=True)
            shape.top.append(name)
            shape.pattern += f"(?:/{word}/(?P<{name}>{p}))?"
        elif kind == "bare_opt":
            name = new(p, optional=True)
            shape.top.append(name)
            shape.pattern += f"(?P<{name}>{p})?"
        elif kind == "nested_opt":
            outer = new(p, optional=True)
            inner = new(draw(st.sampled_from(patterns)), optional=True, parent=outer)
            shape.top += [outer, inner]
            shape.pattern += f"(?:/{word}/(?P<{outer}>{p})(?:/{word}z/(?P<{inner}>{shape.groups[inner]}))?)?"
        elif kind == "nested_named":
            outer = new(r"w\d+")
            inner = new(r"\d+")
            shape.inner[inner] = outer
            shape.top.append(outer)
            shape.pattern += f"/{word}/(?P<{outer}>w(?P<{inner}>\\d+))"
        elif kind == "opt_lit":
            shape.pattern += f"(?:/{word})?"
        elif kind == "backref":
            candidates = [g for g in shape.top if g not in shape.optional]
            if candidates:
                shape.pattern += f"-(?P={draw(st.sampled_from(candidates))})"
    shape.pattern += draw(st.sampled_from(["$", "/?$", "", "/?"])) if loose else "$"
    return shape


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return make_site(tmp_path_factory.mktemp("site"), gen=HOST)


def url_map(site, shapes_):
    routes = tuple(Route(s.pattern, f"gen.views.f{i}", f"r{i}", regex=re.compile(s.pattern))
                   for i, s in enumerate(shapes_))
    backend = site.backends[0]
    return UrlMap(site, {backend.ident: RouteModule("gen.urls", "<generated>", routes, None)}).default


def value(pattern):
    """Text for a group: often what its pattern takes, sometimes what it does not."""
    return st.one_of(st.from_regex(pattern, fullmatch=True, alphabet=st.characters(codec="utf-8",
                                   exclude_categories=("Cc", "Cs"))),
                     st.sampled_from(TRICKY), st.integers(0, 999))


def check_round_trip(urls, route_name, shape, params, url):
    assert not url.startswith("//"), url
    resolved = urls.resolve(unquote(urlsplit(url).path))
    assert resolved.placed is not None and resolved.placed.route.name == route_name, \
        (url, shape.pattern, params, resolved)
    groups = resolved.groups
    for name in shape.groups:
        if name in params:
            assert groups[name] == to_text(params[name]), (url, shape.pattern, params, groups)
        elif shape.inner.get(name) in params:
            continue                        # read from the outer group's text
        else:
            assert groups[name] is None, (url, shape.pattern, params, groups)


@given(st.lists(shapes(), min_size=1, max_size=4), st.data())
@SETTINGS
def test_every_url_given_resolves_to_its_route_and_parameters(site, table, data):
    urls = url_map(site, table)
    for i, shape in enumerate(table):
        names = data.draw(st.lists(st.sampled_from(sorted(shape.groups)), unique=True)
                          if shape.groups else st.just([]))
        params = {name: data.draw(value(shape.groups[name])) for name in names}
        try:
            url = urls.get_url(f"r{i}", **params)
        except NoReverseMatch:
            continue
        check_round_trip(urls, f"r{i}", shape, params, url)


@given(shapes(loose=False), st.data())
@SETTINGS
def test_every_way_of_filling_a_lone_route_gives_a_url(site, shape, data):
    urls = url_map(site, [shape])
    params = {}
    for name in shape.groups:
        if name in shape.inner:
            if data.draw(st.booleans()):        # may be given along with its outer group
                params[name] = "PENDING"
            continue
        parent = shape.needs.get(name)
        if parent is not None and parent not in params:
            continue
        if name in shape.optional and not data.draw(st.booleans()):
            continue
        params[name] = data.draw(st.from_regex(shape.groups[name], fullmatch=True,
                                               alphabet="abcwxyz0123456789"))
    for name in [n for n, v in params.items() if v == "PENDING"]:
        params[name] = re.fullmatch(r"w(\d+)", params[shape.inner[name]]).group(1)
    url = urls.get_url("r0", **params)
    check_round_trip(urls, "r0", shape, params, url)
