"""Reading route regexes as URL templates, and the reversibility report."""
import re

import pytest

from pycopia_www.web.pattern import NotReversible, compile_template, may_share_prefix, required_prefixes
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


@pytest.mark.parametrize("pattern, reason", [
    (r"^/(?:en|de)/about$", "alternation"),
    (r"^/[ab]$", "character class"),
    (r"^/\d+$", "character class"),
    (r"^/.$", "'.'"),
    (r"^/(?:/(?P<n>\d+))?$", "named group inside a repeat"),
    (r"^/(?P<a>x(?P<b>y))$", "inside the named group 'a'"),
    (r"^/(?P<a>x)/(?P=a)$", "backreference"),
    (r"^/(?P<a>x)?(?(a)y|z)$", "repeat"),
    (r"^/x$/y", "'$' before the end"),
    (r"/x^y", "'^' after the start"),
])
def test_irreversible_constructs_give_a_reason(pattern, reason):
    with pytest.raises(NotReversible) as info:
        compile_template(re.compile(pattern))
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
