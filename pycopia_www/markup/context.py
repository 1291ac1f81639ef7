"""What a page under construction needs from the request it answers: a resolver that turns URL
targets into URLs (the web layer's get_url), and the CSRF field and token for POST forms.

It is per request, in a ContextVar, never a process global swapped per request: the web layer
enters page_context(...) around each request, and nested or concurrent requests (threads,
asyncio tasks) each see their own.

    with page_context(url_resolver=request.get_url, csrf=lambda: ("csrf_token", token)):
        page = handler(request)

set_url_resolver()/set_csrf_provider() set one part for the current context (tests, scripts).
"""
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Callable


@dataclass(frozen=True)
class PageContext:
    # resolver(target, *args, **kwargs) -> URL, for url(...) and other non-string URL values
    url_resolver: Callable | None = None
    # csrf() -> (field name, token), a bare token (the document's csrf_field is used), or None
    csrf: Callable | None = None


_current: ContextVar[PageContext] = ContextVar("pycopia_www.markup.page", default=PageContext())


def current() -> PageContext:
    return _current.get()


@contextmanager
def page_context(*, url_resolver=None, csrf=None):
    token = _current.set(PageContext(url_resolver, csrf))
    try:
        yield
    finally:
        _current.reset(token)


def set_url_resolver(resolver) -> None:
    """Install the URL resolver for the current context (None removes it). A Document's own
    url_resolver=, if given, is used instead."""
    _current.set(replace(_current.get(), url_resolver=resolver))


def get_url_resolver():
    return _current.get().url_resolver


def set_csrf_provider(provider) -> None:
    """Install provider() -> token (or (field, token), or None) for POST forms of documents that
    were not given csrf_token=, in the current context; None removes it."""
    _current.set(replace(_current.get(), csrf=provider))


def get_csrf_provider():
    return _current.get().csrf
