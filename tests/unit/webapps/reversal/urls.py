"""Routes for the get_url cases ported from Django's URL-reversing tests (tests/urlpatterns_reverse
in Django): the same regexes, written for full paths (a leading "/") and with named groups only
(a route here may not have unnamed capturing groups), all answered by webapps.echo.echo."""
from pycopia_www.urls import route

E = "webapps.echo.echo"

routes = [
    route(r"^/places/(?P<id>[0-9]+)/$", E, name="places4"),
    route(r"^/places?/$", E, name="places-opt"),
    route(r"^/places+/$", E, name="places-plus"),
    route(r"^/places*/$", E, name="places-star"),
    route(r"^/q/(?:places/)?$", E, name="places2-opt"),
    route(r"^/q/(?:places/)+$", E, name="places2-plus"),
    route(r"^/q/(?:places/)*$", E, name="places2-star"),
    route(r"^/people/(?P<name>\w+)/$", E, name="people"),
    route(r"^/people/(?:name/)$", E, name="people2"),
    route(r"^/people/(?P<name>\w+)-(?P=name)/$", E, name="people_backref"),
    route(r"^/optional/(?P<name>.*)/(?:.+/)?", E, name="optional"),
    # Django has these under /optional/ too, after the route above, which takes their URLs: here
    # under paths of their own (the shadowing is the case of people2).
    route(r"^/named_optional/(?P<arg1>\d+)/(?:(?P<arg2>\d+)/)?", E, name="named_optional"),
    route(r"^/terminated/(?P<arg1>\d+)/(?:(?P<arg2>\d+)/)?$", E, name="named_optional_terminated"),
    route(r"^/nested/noncapture/(?:(?P<p>\w+))$", E, name="nested-noncapture"),
    route(r"^/nested/capture/named/(?P<outer>(?P<inner>\w+)/)?$", E, name="nested-namedcapture"),
    route(r"^/hardcoded/$", E, name="hardcoded"),
    route(r"^/hardcoded/doc\.pdf$", E, name="hardcoded2"),
    route(r"^/people/(?P<state>\w\w)/(?P<name>\w+)/$", E, name="people3"),
    route(r"^/people/(?P<state>\w\w)/(?P<name>[0-9])/$", E, name="people4"),
    route(r"^/character_set/[abcdef0-9]/$", E, name="range"),
    route(r"^/character_set/[\w]/$", E, name="range2"),
    route(r"^/price/\$(?P<p>[0-9]+)/$", E, name="price"),
    route(r"^/price/[$](?P<p>[0-9]+)/$", E, name="price2"),
    route(r"^/price/[\$](?P<p>[0-9]+)/$", E, name="price3"),
    route(r"^/product/(?P<product>\w+)\+\(\$(?P<price>[0-9]+(?:\.[0-9]+)?)\)/$", E, name="product"),
    route(r"^/headlines/(?P<year>[0-9]+)\.(?P<month>[0-9]+)\.(?P<day>[0-9]+)/$", E, name="headlines"),
    route(r"^/windows_path/(?P<drive_name>[A-Z]):\\(?P<path>.+)/$", E, name="windows"),
    route(r"^/special_chars/(?P<chars>.+)/$", E, name="special"),
    route(r"^/repeats/a{1,2}/$", E, name="repeats"),
    route(r"^/repeats/a{2,4}/$", E, name="repeats2"),
    route(r"^/repeats/a{2}/$", E, name="repeats3"),
    route(r"^/test/1/?", E, name="test"),
    route(r"^/(?:foo|bar)(?P<x>\w+)/$", E, name="disjunction"),
    route(r"^/(?P<p>.+)/security/$", E, name="security"),
    route(r"^/lookahead-/(?!not-a-city)(?P<city>[^/]+)/$", E, name="lookahead-negative"),
    route(r"^/lookahead\+/(?=a-city)(?P<city>[^/]+)/$", E, name="lookahead-positive"),
    route(r"^/lookbehind-/(?P<city>[^/]+)(?<!not-a-city)/$", E, name="lookbehind-negative"),
    route(r"^/lookbehind\+/(?P<city>[^/]+)(?<=a-city)/$", E, name="lookbehind-positive"),
    # The issue's own examples.
    route(r"^/items/(?:(?P<page>\d+)/)?$", E, name="items"),
    route(r"^/a/(?P<x>\d+)?/?$", E, name="a"),
    route(r"^/n/(?P<a>x(?P<b>\d+))$", E, name="nested-required"),
    route(r"^/two/(?P<x>\d+)?(?P<y>[a-z]+)?$", E, name="two-optional"),
    # Last: it would take many of the URLs above (and get_url would refuse them).
    route(r"^/(?P<name>.+)/[0-9]+/$", E, name="mixed"),
]
