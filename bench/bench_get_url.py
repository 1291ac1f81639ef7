"""bench get_url: reverse the same route set with ours, Django's reverse and Werkzeug's build.

The route set spans three backends (a root backend, a prefix backend /admin and a regex
backend for /api); Django gets it as one URLconf of re_path()s with the same regexes, Werkzeug as
Rules with the nearest converters. Ours and Django's match the finished URL against the route's
regex again; ours also checks that nothing routed earlier (static directories, other backends,
earlier routes) would take it. Werkzeug does not re-match.

Each case is timed best-of-REPEATS in this one process; the last line is the summary `make bench`
reads: the mean over the cases, in microseconds per call.
"""
import sys
import tempfile
import textwrap
import timeit
import uuid
from pathlib import Path
from urllib.parse import urlencode

import django
from django.conf import settings
from werkzeug.routing import Map, Rule

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pycopia_www.config import load_site  # noqa: E402
from pycopia_www.web.urlmap import UrlMap  # noqa: E402

NUMBER, REPEATS = 20000, 5
ID = uuid.UUID("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f")

# (name, backend, regex below the backend's prefix, Werkzeug rule)
ROUTES = [
    ("home", "ui", r"^/$", "/"),
    ("about", "ui", r"^/about$", "/about"),
    ("row", "ui", r"^/row/(?P<table>\w+)/(?P<row>\d+)$", "/row/<table>/<int:row>"),
    ("item", "ui", r"^/item/(?P<name>\w+)$", "/item/<name>"),
    ("thing", "ui", r"^/thing/(?P<id>[0-9a-f-]{36})$", "/thing/<uuid:id>"),
    ("article", "ui", r"^/article/(?P<year>\d{4})/(?P<slug>[a-z0-9-]+)$",
     "/article/<int(fixed_digits=4):year>/<slug>"),
    ("docs", "ui", r"^/docs/(?P<path>.+)$", "/docs/<path:path>"),
    ("admin-user", "admin", r"^/users/(?P<name>[a-z]+)$", "/admin/users/<name>"),
    ("api-user", "api", r"^/api/v1/users/(?P<uid>\d+)$", "/api/v1/users/<int:uid>"),
    # An optional named group; Werkzeug needs a rule per form.
    ("items", "ui", r"^/items/(?:(?P<page>\d+)/)?$", ["/items/", "/items/<int:page>/"]),
]
PREFIX = {"ui": "", "admin": "/admin", "api": ""}

# (label, route name, parameters, query)
CASES = [
    ("no parameters", "home", {}, None),
    ("one str", "item", {"name": "widget"}, None),
    ("str + int", "row", {"table": "users", "row": 42}, None),
    ("uuid", "thing", {"id": ID}, None),
    ("int + slug", "article", {"year": 2024, "slug": "hello-world"}, None),
    ("path with /", "docs", {"path": "guide/install notes"}, None),
    ("other backend (prefix)", "admin-user", {"name": "ann"}, None),
    ("other backend (regex)", "api-user", {"uid": 7}, None),
    ("with query", "row", {"table": "users", "row": 1}, {"page": 2, "q": "a b"}),
    ("optional group given", "items", {"page": 2}, None),
    ("optional group left out", "items", {}, None),
]


def make_ours():
    tmp = Path(tempfile.mkdtemp(prefix="bench-get-url-"))
    (tmp / "etc" / "backends.d").mkdir(parents=True)
    (tmp / "etc" / "farm.toml").write_text("")
    (tmp / "etc" / "backends.d" / "site.toml").write_text(textwrap.dedent("""\
        hosts = ["bench.test"]
        [[backend]]
        name = "ui"
        user = "nobody"
        prefix = "/"
        app = "benchroutes.ui"
        [[backend]]
        name = "admin"
        user = "nobody"
        prefix = "/admin"
        app = "benchroutes.admin"
        [[backend]]
        name = "api"
        user = "nobody"
        match = '^/api/'
        app = "benchroutes.api"
        """))
    package = tmp / "benchroutes"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for backend in PREFIX:
        lines = ["from pycopia_www.urls import route", "routes = ["]
        lines += [f"    route({regex!r}, 'benchviews.{name.replace('-', '_')}', name={name!r}),"
                  for name, b, regex, _ in ROUTES if b == backend]
        (package / f"{backend}.py").write_text("\n".join(lines + ["]", ""]))
    sys.path.insert(0, str(tmp))
    urls = UrlMap.from_site(load_site(tmp / "etc" / "farm.toml")).default
    get_url = urls.get_url

    def reverse(name, params, query):
        return get_url(name, _query=query, **params) if query else get_url(name, **params)
    return reverse


def make_django():
    from django.urls import re_path
    settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"], USE_I18N=False)
    django.setup()

    def view(request, **kwargs):
        return None
    # Django patterns have no leading slash; the prefix becomes part of each regex.
    global urlpatterns
    urlpatterns = [re_path("^" + PREFIX[b][1:] + ("/" if PREFIX[b] else "") + regex[2:], view, name=name)
                   for name, b, regex, _ in ROUTES]
    from django.urls import reverse as django_reverse

    def reverse(name, params, query):
        url = django_reverse(name, kwargs=params)
        return url + "?" + urlencode(query) if query else url
    return reverse


def make_werkzeug():
    adapter = Map([Rule(rule, endpoint=name) for name, _, _, rules in ROUTES
                   for rule in ([rules] if isinstance(rules, str) else rules)]).bind("bench.test")
    build = adapter.build

    def reverse(name, params, query):
        return build(name, {**params, **query} if query else params)
    return reverse


def best(fn, args) -> float:
    """Microseconds per call, best of REPEATS."""
    timer = timeit.Timer(lambda: fn(*args))
    return min(timer.repeat(REPEATS, NUMBER)) / NUMBER * 1e6


def main():
    impls = {"ours": make_ours(), "django": make_django(), "werkzeug": make_werkzeug()}
    width = max(len(c[0]) for c in CASES)
    print(f"{'case':{width}}  {'URL':46} " + " ".join(f"{k:>9}" for k in impls) + "   (us/call)")
    totals = dict.fromkeys(impls, 0.0)
    for label, name, params, query in CASES:
        urls = {k: fn(name, params, query) for k, fn in impls.items()}
        if len(set(urls.values())) != 1 and not label == "with query":
            sys.exit(f"the implementations disagree on {label}: {urls}")
        times = {k: best(fn, (name, params, query)) for k, fn in impls.items()}
        for k, t in times.items():
            totals[k] += t
        print(f"{label:{width}}  {urls['ours']:46} " + " ".join(f"{times[k]:9.2f}" for k in impls))
    mean = {k: t / len(CASES) for k, t in totals.items()}
    print(f"{'mean':{width}}  {'':46} " + " ".join(f"{mean[k]:9.2f}" for k in impls))
    print(f"bench get_url: ours={mean['ours']:.2f} django={mean['django']:.2f} "
          f"werkzeug={mean['werkzeug']:.2f}")


if __name__ == "__main__":
    main()
