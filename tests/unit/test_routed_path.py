"""The authorizer's view of the path (M1): only canonical paths are judged, and for those the path
it decides on is the one lighttpd routes. Checked against a model of lighttpd 1.4's own steps
(burl_normalize with the default parse options, then buffer_urldecode_path and
buffer_path_simplify, read from its source), over generated paths."""
import re

import pytest
from hypothesis import event, given, settings, strategies as st

from pycopia_www.web.routed_path import AUTHZ_PATH, canonical_path, require_authorized_path

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def lighttpd_routes(target: str) -> bytes | None:
    """The path lighttpd routes on for this request target, or None where it answers 400."""
    raw = target.encode("latin-1").split(b"?", 1)[0]

    def unescape(pattern, b):
        return re.sub(pattern, lambda m: bytes([int(m.group(1), 16)]), b)
    # url-normalize-unreserved: escapes of unreserved characters are decoded
    raw = re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)])
                 if int(m.group(1), 16) in UNRESERVED else m.group(0).upper(), raw)
    if re.search(rb"%(?:[01][0-9A-F]|7F)", raw):          # url-ctrls-reject
        return None
    raw = raw.replace(b"%2F", b"/")                           # url-path-2f-decode
    raw = remove_dot_segments(raw)                            # url-path-dotseg-remove
    path = unescape(rb"%([0-9A-Fa-f]{2})", raw)               # buffer_urldecode_path
    path = bytes(c if 32 <= c != 127 else ord("_") for c in path)
    return simplify(path)


def remove_dot_segments(path: bytes, empty_too: bool = False) -> bytes:
    """burl_normalize_path (url-path-dotseg-remove): "." goes, ".." removes a segment, a
    trailing "/." or "/.." leaves a trailing "/". With empty_too, buffer_path_simplify: the
    same, and "//" becomes "/"."""
    out: list[bytes] = []
    segments = path.split(b"/")[1:]
    for i, s in enumerate(segments):
        if s == b"..":
            out[-1:] = []
        elif s != b"." and not (empty_too and s == b""):
            out.append(s)
            continue
        if i == len(segments) - 1:
            out.append(b"")
    return b"/" + b"/".join(out)


def simplify(path: bytes) -> bytes:
    return remove_dot_segments(path, empty_too=True)


PIECES = st.sampled_from(["/", "//", ".", "..", "a", "admin", "%2e", "%2E", "%2f", "%2F", "%41",
                          "%00", "%0a", "%7f", "%20", "%25", "%C3%A9", "%c3%a9", "%ff", "~", "%7e",
                          "!", ";", "@", "=", "x.y", "%3F", "%5C", "\\", "#", " "])


@settings(max_examples=600, deadline=None)
@given(st.lists(PIECES, max_size=10).map(lambda ps: "/" + "".join(ps)))
def test_m1_property_an_accepted_path_is_the_path_lighttpd_routes(target):
    routed = canonical_path(target)
    event("refused" if routed is None else "accepted")
    if routed is None:
        return
    raw, decoded = routed
    assert raw == target.split("?")[0]
    assert lighttpd_routes(target) == decoded.encode("utf-8")


@pytest.mark.parametrize("target", ["//admin/x", "/admin//x", "/admin/./x", "/admin/x/.",
                                    "/admin/x/..", "/%2e/x", "/admin%2fx", "/%61dmin", "/a%7e",
                                    "/x%00", "/x%0A", "/x%7F", "/x y", "/x\\y", "/x%", "/x%g0",
                                    "admin", "/%ff", "/x#y", "/x\x01"])
def test_m1_non_canonical_paths_are_refused(target):
    assert canonical_path(target) is None


@pytest.mark.parametrize("target, decoded", [("/", "/"), ("/admin/x/", "/admin/x/"),
                                             ("/a%20b?q=//x/../", "/a b"), ("/%C3%A9t%c3%a9", "/été"),
                                             ("/a%2Bb;c=d@e", "/a+b;c=d@e"), ("/x.y/.z", "/x.y/.z")])
def test_m1_canonical_paths_are_decoded(target, decoded):
    assert canonical_path(target)[1] == decoded


def app(environ, start_response):
    start_response("200 OK", [])
    return [b"served"]


def call(environ):
    out = {}
    body = b"".join(require_authorized_path(app)(environ, lambda s, h: out.update(status=s)))
    return out["status"], body


@pytest.mark.parametrize("environ, status", [
    ({"SCRIPT_NAME": "/admin", "PATH_INFO": "/x", AUTHZ_PATH: "/admin/x"}, "200 OK"),
    ({"SCRIPT_NAME": "", "PATH_INFO": "/\xc3\xa9", AUTHZ_PATH: "/%C3%A9"}, "200 OK"),
    ({"SCRIPT_NAME": "/admin", "PATH_INFO": "/x"}, "403 Forbidden"),        # never authorized
    ({"SCRIPT_NAME": "/admin", "PATH_INFO": "/x", AUTHZ_PATH: "//admin/x"}, "403 Forbidden"),
    ({"SCRIPT_NAME": "/admin", "PATH_INFO": "/y", AUTHZ_PATH: "/admin/x"}, "403 Forbidden"),
])
def test_m1_a_protected_backend_serves_only_the_authorized_path(environ, status):
    assert call(environ)[0] == status
