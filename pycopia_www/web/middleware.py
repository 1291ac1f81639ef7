"""Middleware: a backend's `middleware = [...]` (etc/backends.d's list first, then the route
module's). Each item is

  a hook     an object (or class, instantiated once) with any of
               before(request)            may return a response to answer at once
               after(request, response)   may return a replacement response; runs for every
                                          response, error pages included
               on_error(request, exc)     may turn an exception of the layers inside it into a
                                          response (or an HTTPError to render), e.g. a database
                                          integrity error into 409; None: not its business
             Hooks work on Request and Response objects: the first listed is the outermost (its
             before runs first, its after last).
  a wrapper  a callable taking a WSGI application and returning one (any WSGI middleware). Every
             wrapper wraps the whole application from outside, hooks included: it sees the WSGI
             environ before the Request exists and the response after the last hook.
"""
from .errors import HTTPError
from .response import Response, to_response


def is_hook(obj) -> bool:
    return any(callable(getattr(obj, name, None)) for name in ("before", "after", "on_error"))


def split(items) -> tuple[list, list]:
    """(hooks, wrappers), each in listed order."""
    hooks = [item for item in items if is_hook(item)]
    return hooks, [item for item in items if not is_hook(item)]


class Hooks:
    """The hooks around the dispatcher: run(request, handle) -> Response. Exceptions of the
    handler and of the hooks become responses here (through `render`, the app's one renderer),
    so every after() sees a response."""

    def __init__(self, hooks, render):
        self.hooks = tuple(hooks)
        self.render = render            # (request, exc) -> Response

    def run(self, request, handle) -> Response:
        ran = []            # hooks whose before ran without answering: their after will run
        response = None
        try:
            for hook in self.hooks:
                before = getattr(hook, "before", None)
                if before is not None:
                    early = before(request)
                    if early is not None:
                        response = to_response(early, request)
                        break
                ran.append(hook)
            else:
                response = handle(request)
        except Exception as exc:
            response = self._error(request, exc, ran)
        for hook in reversed(ran):
            after = getattr(hook, "after", None)
            if after is None:
                continue
            try:
                replaced = after(request, response)
                if replaced is not None:
                    response = to_response(replaced, request)
            except Exception as exc:
                response = self._error(request, exc, ran)
        return response

    def _error(self, request, exc: Exception, ran) -> Response:
        if not isinstance(exc, HTTPError):
            for hook in reversed(ran):
                on_error = getattr(hook, "on_error", None)
                if on_error is None:
                    continue
                try:
                    translated = on_error(request, exc)
                except Exception as failed:        # the translator broke: that is the error now
                    return self.render(request, failed)
                if isinstance(translated, HTTPError):
                    exc = translated
                    break
                if translated is not None:
                    return to_response(translated, request)
        return self.render(request, exc)
