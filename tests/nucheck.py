"""One run of the W3C Nu Html Checker per test session, over every document any test wants checked
(java starts slowly: one process for all of them, pycopia_www.markup.validate.nu_errors).

To have pages of your own checked in the same run, write a session-scoped fixture returning
(name, body bytes, media type) triples, and add its name to NU_SOURCES; then assert on
nu_report[name] in your tests. The fixtures are made visible to every test by tests/conftest.py.
"""
import pytest

from outside_tools import program, vnu_jar
from pycopia_www.markup.validate import nu_errors

# Fixtures whose documents go into the session's one run.
NU_SOURCES = ["nu_canaries", "demo_documents"]

# Pages the checker must refuse, or a report without errors would prove nothing. (name, body,
# media type, a fragment of the error expected)
CANARIES = [
    ("canary: an XML document declaring its encoding in a meta",
     b'<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" '
     b'content="text/html; charset=utf-8"/><title>t</title></head><body></body></html>',
     "application/xhtml+xml", "http-equiv"),
    ("canary: the XHTML 1.0 doctype in text/html",
     b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
     b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html lang="en"><head>'
     b'<meta charset="utf-8"/><title>t</title></head><body></body></html>',
     "text/html", "Obsolete doctype"),
]


@pytest.fixture(scope="session")
def nu_canaries():
    return [(name, body, media_type) for name, body, media_type, _ in CANARIES]


@pytest.fixture(scope="session")
def nu_report(request) -> dict[str, list[str]]:
    """{document name: [errors of vnu --errors-only]} for the documents of every NU_SOURCES
    fixture, from one run of vnu.jar on Debian's Java."""
    documents = [document for source in NU_SOURCES for document in request.getfixturevalue(source)]
    return nu_errors(documents, jar=vnu_jar(), java=program("java", "default-jre-headless"))
