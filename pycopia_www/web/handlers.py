"""Handlers: resolving a dotted path (lazily, on first use), deciding which methods a handler
answers, and calling it with its named groups converted by its parameter annotations.

Three kinds:
  function (or any callable)  handler(request, **groups); any method, unless the route says
                              methods=[...]
  class                       a new instance per request; get/post/put/delete/patch methods
                              (inherited ones count); HEAD falls back to GET; OPTIONS is answered
                              from the methods present; anything else is 405 with Allow

What a handler may say about itself (read once, here; decided on in access.py):
  requires_role(...) / requires_login     on the function, the class or a verb method
  csrf_exempt = True                      it checks where its requests come from itself
  refusal(request, error) -> Response     how a refused request (401/403) is answered, e.g. a
                                          JSON proxy's protocol error instead of a page
"""
import importlib
import inspect
import typing

from .convert import converter_for
from .identity import required_roles
from .errors import MethodNotAllowed, NotFound
from .response import Response

VERBS = ("get", "post", "put", "delete", "patch")


class HandlerError(Exception):
    """A handler that cannot be used as routed (a programming error: the answer is 500)."""


def resolve_dotted(target: str):
    """The object at "pkg.module.attr" or "pkg.module:attr.inner"."""
    if ":" in target:
        module_name, _, attrs = target.partition(":")
        return _getattrs(importlib.import_module(module_name), attrs.split("."), target)
    parts = target.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # Only "this prefix is not a module" means: try a shorter one. A module that exists
            # but fails to import must report its own error.
            if exc.name is not None and module_name.startswith(exc.name):
                continue
            raise
        return _getattrs(module, parts[cut:], target)
    raise HandlerError(f"cannot import any module of {target!r}")


def _getattrs(obj, names, target):
    for name in names:
        try:
            obj = getattr(obj, name)
        except AttributeError:
            raise HandlerError(f"{target!r}: {obj!r} has no attribute {name!r}") from None
    return obj


def _converters(function, groups, skip_first: int, where: str) -> dict:
    """name -> parse function for the groups whose parameter has a non-str annotation."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError) as exc:
        raise HandlerError(f"{where}: no signature: {exc}") from None
    params = list(signature.parameters.values())[skip_first:]
    by_name = {p.name: p for p in params}
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params)
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # unresolvable forward references: fall back to what is there
        hints = {p.name: p.annotation for p in params}
    out = {}
    for name in groups:
        param = by_name.get(name)
        if param is None or param.kind in (param.VAR_POSITIONAL, param.POSITIONAL_ONLY):
            if takes_any:
                continue
            raise HandlerError(f"{where} has no keyword parameter {name!r} for the route's named group")
        annotation = hints.get(name, param.annotation)
        if annotation is inspect.Parameter.empty:
            continue
        try:
            converter = converter_for(annotation)
        except LookupError as exc:
            raise HandlerError(f"{where}, parameter {name!r}: {exc}") from None
        if converter is not None:
            out[name] = converter.parse
    return out


class Handler:
    """One routed handler, imported and inspected once per process."""

    def __init__(self, route):
        self.route = route
        obj = resolve_dotted(route.target)
        groups = tuple(route.regex.groupindex)
        self.obj = obj
        self.is_class = isinstance(obj, type)
        if self.is_class:
            present = [v for v in VERBS if callable(getattr(obj, v, None))]
            if not present:
                raise HandlerError(f"{route.target}: a handler class needs one of {', '.join(VERBS)}")
            self.convert = {v: _converters(getattr(obj, v), groups, 1, f"{route.target}.{v}")
                            for v in present + [v for v in ("head", "options") if hasattr(obj, v)]}
            methods = {v.upper() for v in present}
            self._marks = {v: self._union(obj, getattr(obj, v)) for v in self.convert}
        else:
            if not callable(obj):
                raise HandlerError(f"{route.target} is {type(obj).__name__}, not callable")
            self.convert = {None: _converters(obj, groups, 1, route.target)}
            self._marks = {None: required_roles(obj)}
            methods = route.methods
        if methods is not None:
            methods = set(methods)
            if "GET" in methods:
                methods.add("HEAD")
            methods.add("OPTIONS")
        self.allowed = frozenset(methods) if methods is not None else None
        self.csrf_exempt = bool(getattr(obj, "csrf_exempt", False))
        self.refusal = getattr(obj, "refusal", None) if not self.is_class else None

    @staticmethod
    def _union(*marked):
        needed = [roles for roles in map(required_roles, marked) if roles is not None]
        return frozenset().union(*needed) if needed else None

    def _verb(self, method: str) -> str | None:
        """The class method that answers `method` (HEAD falls back to GET); None for a function."""
        if not self.is_class:
            return None
        verb = method.lower()
        return "get" if verb == "head" and "head" not in self.convert else verb

    def options(self, request) -> Response | None:
        """405 for a method the handler does not answer; the OPTIONS answer when it is one."""
        method = request.method
        if self.allowed is not None and method not in self.allowed:
            raise MethodNotAllowed(self.allowed)
        if method == "OPTIONS" and self.allowed is not None and (
                not self.is_class or "options" not in self.convert):
            return Response(b"", 204, [("Allow", ", ".join(sorted(self.allowed)))])
        return None

    def required_roles(self, method: str) -> frozenset[str] | None:
        """The handler's requires_role/requires_login marks for `method`: None needs no login."""
        return self._marks.get(self._verb(method))

    def __call__(self, request, groups: dict):
        verb = self._verb(request.method)
        kwargs = request.kwargs = self._convert(self.convert[verb], groups)
        if verb is None:
            return self.obj(request, **kwargs)
        return getattr(self.obj(), verb)(request, **kwargs)

    @staticmethod
    def _convert(converters: dict, groups: dict) -> dict:
        # An optional group that did not take part is left out: the handler's default applies.
        kwargs = {k: v for k, v in groups.items() if v is not None}
        for name, parse in converters.items():
            if name in kwargs:
                try:
                    kwargs[name] = parse(kwargs[name])
                except (ValueError, TypeError, ArithmeticError):
                    raise NotFound() from None
        return kwargs
