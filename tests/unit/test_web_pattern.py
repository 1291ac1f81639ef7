"""Reading route regexes as URL templates, and the reversibility report."""
import re

import pytest

from pycopia_www.web.pattern import (NotReversible, compile_template, compile_templates,
                                     may_share_prefix, required_prefixes)
from pycopia_www.web.urlmap import UrlMap
from webapps import make_site


@pytest.mark.parametrize("pattern, pieces", [
    (r"^/$", ("/",)),
    (r"^/row/(?P<table>\w+)/(?P<row>\d+)$", ("/row/", "table", "/", "row", "")),
    (r"^(?P<a>x)(?P<b>y)$", ("", "a", "", "b", "")),
    (r"^/a\.b\$c$", ("/a.b$c",)),
    (r"^/[.]x$", ("/.x",)),
    (r"^/(?:static/)(?P<p>.+)\Z", ("/static/", "p", "")),
    (r"^/trailing/?$", ("/trailing",)),
    (r"^/two/{2}x$", ("/two//x",)),
    (r"^/(?=ab)ab\b$", ("/ab",)),
    (r"^/x(?!y)$", ("/x",)),
    (r"(?i)^/Case$", ("/Case",)),
    (r"^/no-end", ("/no-end",)),
])
def test_templates(pattern, pieces):
    assert compile_template(re.compile(pattern)).pieces == pieces


# (pattern, [(pieces, inner groups, groups left out)] per template, fewest optional parts first)
@pytest.mark.parametrize("pattern, templates", [
    (r"^/items/(?:(?P<page>\d+)/)?$", [(("/items/",), set(), {"page"}),
                                       (("/items/", "page", "/"), set(), set())]),
    (r"^/a/(?P<x>\d+)?/?$", [(("/a/",), set(), {"x"}), (("/a/", "x", ""), set(), set())]),
    (r"^/n/(?P<outer>(?P<inner>\w+)/)?$", [(("/n/",), set(), {"outer", "inner"}),
                                          (("/n/", "outer", ""), {"inner"}, set())]),
    (r"^/n/(?P<a>x(?P<b>y))$", [(("/n/", "a", ""), {"b"}, set())]),
    (r"^/p/(?P<name>\w+)-(?P=name)/$", [(("/p/", "name", "-", "name", "/"), set(), set())]),
    # nested optional parts: the inner one only with the outer one
    (r"^/(?:(?P<a>\d+)(?:/(?P<b>\d+))?)?$", [(("/",), set(), {"a", "b"}),
                                            (("/", "a", ""), set(), {"b"}),
                                            (("/", "a", "/", "b", ""), set(), set())]),
    # repeated at most once: once with the group, never without
    (r"^/r(?:/(?P<n>\d+))+$", [(("/r/", "n", ""), set(), set())]),
    (r"^/r(?:/(?P<n>\d+))*$", [(("/r",), set(), {"n"}), (("/r/", "n", ""), set(), set())]),
    # the same slots twice: the shorter way is kept
    (r"^/x(?:/(?:(?P<a>\d))?)?$", [(("/x",), set(), {"a"}), (("/x/", "a", ""), set(), set())]),
    # a backreference to an optional group: only the way that gives the group
    (r"^/(?P<a>x)?-(?P=a)$", [(("/", "a", "-", "a", ""), set(), set())]),
])
def test_optional_and_nested_groups_give_several_templates(pattern, templates):
    got = [(t.pieces, set(t.inner), set(t.absent)) for t in compile_templates(re.compile(pattern))]
    assert got == templates


@pytest.mark.parametrize("pattern, reason", [
    (r"^/(?:en|de)/about$", "alternation"),
    (r"^/[ab]$", "character class"),
    (r"^/\d+$", "character class"),
    (r"^/.$", "'.'"),
    (r"^/(?:/(?P<n>\d+)){2}$", "repeated at least 2 times"),
    (r"^/(?:/(?P<n>\d+)){3,}$", "repeated at least 3 times"),
    (r"^/(?P<a>x)?(?(a)y|z)$", "conditional"),
    (r"^/(?=(?P<a>x))x$", "inside a lookaround"),
    (r"^/(?P<o>x(?P<i>y))-(?P=i)$", "backreference to a group that is not given"),
    ("^/" + "".join(f"(?:/(?P<g{i}>x))?" for i in range(7)) + "$", "more than 64 combinations"),
    (r"^/x$/y", "'$' before the end"),
    (r"/x^y", "'^' after the start"),
])
def test_irreversible_constructs_give_a_reason(pattern, reason):
    with pytest.raises(NotReversible) as info:
        compile_templates(re.compile(pattern))
    assert reason in str(info.value)


def test_fill_and_format():
    t = compile_template(re.compile(r"^/a%b/(?P<x>\w+)/c$"))
    assert t.fill(["X"]) == "/a%b/X/c"
    assert t.format_string() % ("X",) == "/a%b/X/c"
    assert t.format_string(str.upper) % ("x",) == "/A%B/x/C"
    assert t.leading == "/a%b/"


@pytest.mark.parametrize("pattern, prefixes", [
    (r"^/(data|status)(/|$)", {"/data", "/status"}),
    (r"^/item/new$", {"/item/new"}),
    (r"^/(?P<x>\w+)$", {"/"}),
    (r"(?i)^/x", {""}),
    (r"^/a(?:b|c)d", {"/abd", "/acd"}),
])
def test_required_prefixes(pattern, prefixes):
    assert required_prefixes(re.compile(pattern)) == prefixes


def test_may_share_prefix():
    assert may_share_prefix(frozenset({"/data"}), "/")
    assert may_share_prefix(frozenset({"/"}), "/item/")
    assert not may_share_prefix(frozenset({"/data", "/status"}), "/item/")


def test_problems_report_named_routes_that_cannot_be_reversed(tmp_path):
    problems = UrlMap.from_site(make_site(tmp_path)).problems()
    assert len(problems) == 1
    (p,) = problems
    assert p.file.endswith("webapps/ui/urls.py") and p.key.startswith("routes[21]")
    assert "'about'" in p.problem and "alternation" in p.problem


def test_problems_report_a_named_route_that_is_always_shadowed(tmp_path):
    hidden = tmp_path / "hidden.py"
    hidden.write_text("from pycopia_www.urls import route\n"
                      "routes = [route(r'^/status$', 'pkg.v.f', name='ui-status')]\n")
    import sys
    sys.path.insert(0, str(tmp_path))
    try:
        from webapps import MAIN
        site = make_site(tmp_path / "s", main=MAIN.replace("webapps.ui.urls", "hidden"))
        problems = UrlMap.from_site(site).problems()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("hidden", None)
    assert [p.file for p in problems] == [str(hidden)]
    assert "goes to backend main.api first" in problems[0].problem
