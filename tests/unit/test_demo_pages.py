"""Every HTML page of the demo site is valid XHTML 1.0 Strict (the real W3C DTD) and HTML5-parsable."""
import importlib
import wsgiref.util

import pytest

from pycopia_www.markup.validate import html5_errors, xhtml1_strict_errors

# (backend module, path): every page the demo serves as HTML
PAGES = [("handlers.ui.urls", "/"), ("handlers.docs.urls", "/")]


def fetch(module: str, path: str, accept: str):
    environ = {"PATH_INFO": path, "HTTP_ACCEPT": accept, "HTTP_HOST": "localhost:8080"}
    wsgiref.util.setup_testing_defaults(environ)
    captured = {}

    def start_response(status, headers):
        captured.update(status=status, headers=dict(headers))

    body = b"".join(importlib.import_module(module).application(environ, start_response))
    return captured["status"], captured["headers"], body


@pytest.mark.parametrize("module,path", PAGES)
def test_demo_page_is_valid_xhtml(module, path):
    status, headers, body = fetch(module, path, "application/xhtml+xml")
    assert status == "200 OK"
    assert headers["Content-Type"].startswith("application/xhtml+xml")
    assert xhtml1_strict_errors(body) == []


@pytest.mark.parametrize("module,path", PAGES)
def test_demo_page_as_text_html_parses(module, path):
    status, headers, body = fetch(module, path, "text/html")
    assert headers["Content-Type"].startswith("text/html") and headers["Vary"] == "Accept"
    assert html5_errors(body, legacy_doctype=True) == []
