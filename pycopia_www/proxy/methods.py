"""What a proxy exposes: its methods, their remote signatures, and binding call parameters to them.

Parameters named `request` and `db` (the request's database session, docs/data.md) are filled in
by the server and are not part of the remote signature.
Parameters are bound (and plain-class annotations checked) before the call, so a wrong call is a
-32602 naming the problem, never a TypeError from deep inside the method.
"""
import inspect
import types
import typing
from dataclasses import dataclass

from .errors import InvalidParams

REQUEST_PARAMETER = "request"
DB_PARAMETER = "db"
SERVER_PARAMETERS = (REQUEST_PARAMETER, DB_PARAMETER)


@dataclass(frozen=True)
class Method:
    name: str
    function: object
    signature: inspect.Signature      # the remote signature: without `request` and `db`
    wants_request: bool
    wants_db: bool
    roles: frozenset | None           # None: public; empty: any logged-in user
    checks: dict                      # parameter name -> the plain class its value must be
    # Pass arguments by name, so that `request` and `db` may stand anywhere in the parameter
    # list. Not possible past a *args, where they must then be keyword-only.
    by_name: bool

    @property
    def param_structure(self) -> str:
        kinds = {p.kind for p in self.signature.parameters.values()}
        if inspect.Parameter.KEYWORD_ONLY in kinds:
            return "by-name"
        if inspect.Parameter.POSITIONAL_ONLY in kinds or inspect.Parameter.VAR_POSITIONAL in kinds:
            return "by-position"
        return "either"

    @property
    def description(self) -> str:
        return inspect.getdoc(self.function) or ""

    def bind(self, params) -> tuple[list, dict]:
        """(args, kwargs) for a call with JSON-RPC params (array, object or absent)."""
        try:
            if params is None:
                bound = self.signature.bind()
            elif type(params) is list:
                bound = self.signature.bind(*params)
            else:
                bound = self.signature.bind(**params)
        except TypeError as exc:
            raise InvalidParams(f"{self.name}: {exc}") from None
        for name, expected in self.checks.items():
            if name in bound.arguments:
                _check(self.name, name, bound.arguments[name], expected)
        if not self.by_name:
            return list(bound.args), dict(bound.kwargs)
        args, kwargs = [], {}
        for name, value in bound.arguments.items():
            kind = self.signature.parameters[name].kind
            if kind is inspect.Parameter.POSITIONAL_ONLY:
                args.append(value)
            elif kind is inspect.Parameter.VAR_KEYWORD:
                kwargs.update(value)
            else:
                kwargs[name] = value
        return args, kwargs


def _check(method: str, name: str, value, expected: type) -> None:
    # bool is an int to Python, but never what a parameter annotated int means.
    if expected is float and type(value) is int:
        return
    if isinstance(value, expected) and not (type(value) is bool and expected is not bool):
        return
    raise InvalidParams(f"{method}: parameter {name!r} must be {expected.__name__}, "
                        f"not {type(value).__name__}")


def _plain_class_checks(function, parameters) -> dict:
    """Annotations that are plain classes (int, str, datetime, a registered class ...) are checked
    at the call; generics, unions and strings are left to the method."""
    try:
        hints = typing.get_type_hints(function)
    except Exception:
        hints = {}
    return {p.name: hints[p.name] for p in parameters
            if isinstance(hints.get(p.name), type) and hints[p.name] is not object
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def make_method(name: str, function) -> Method:
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    kinds = {p.kind for p in parameters}
    if inspect.Parameter.POSITIONAL_ONLY in kinds and inspect.Parameter.KEYWORD_ONLY in kinds:
        # JSON-RPC sends params all by position or all by name: such a method could not be called.
        raise ValueError(f"proxy method {name!r} mixes positional-only and keyword-only parameters")
    wants_request = any(p.name == REQUEST_PARAMETER for p in parameters)
    wants_db = any(p.name == DB_PARAMETER for p in parameters)
    remote = [p for p in parameters if p.name not in SERVER_PARAMETERS]
    roles = getattr(function, "pwww_roles", None)
    return Method(name, function, signature.replace(parameters=remote), wants_request, wants_db,
                  frozenset(roles) if roles is not None else None,
                  _plain_class_checks(function, remote),
                  by_name=(wants_request or wants_db) and inspect.Parameter.VAR_POSITIONAL not in kinds)


def collect_methods(*targets, inherited=()) -> dict[str, Method]:
    """name -> Method from objects, modules, lists of functions and dicts of name -> function.

    Of an object, only the public methods its own class defines are exposed: not those it
    inherits (a mixin's helpers, Thread.start, a mapping's clear), unless `inherited` names them,
    and never instance attributes or properties (which are not even evaluated). Of a module,
    the public functions it defines. A name starting with "_" or "rpc." is never exposed."""
    found: dict[str, object] = {}
    for target in targets:
        if type(target) is dict:
            found.update(target)
        elif type(target) in (list, tuple):
            found.update((f.__name__, f) for f in target)
        elif isinstance(target, types.ModuleType):
            found.update((n, f) for n, f in vars(target).items() if not n.startswith("_")
                         and _is_method(f) and getattr(f, "__module__", None) == target.__name__)
        elif callable(target) and not isinstance(target, type) and hasattr(target, "__name__"):
            found[target.__name__] = target
        else:
            found.update(_own_methods(target, inherited))
    for name in found:
        if not isinstance(name, str) or name.startswith("_") or name.startswith("rpc."):
            raise ValueError(f"a proxy method may not be called {name!r}")
    return {name: make_method(name, f) for name, f in found.items()}


def _is_method(raw) -> bool:
    """A class or module attribute that is a method: a function, a static or class method, or
    another callable (a decorator's wrapper); not a class, property or other descriptor."""
    return isinstance(raw, (staticmethod, classmethod)) or (callable(raw) and not isinstance(raw, type))


def _own_methods(target, inherited) -> dict[str, object]:
    cls = type(target)
    names = [name for name, raw in vars(cls).items() if not name.startswith("_") and _is_method(raw)]
    for name in inherited:
        raw = inspect.getattr_static(target, name, None)     # found without running anything
        if not isinstance(name, str) or raw is None or not _is_method(raw):
            raise ValueError(f"{name!r} is not a method of {cls.__qualname__} (inherited=)")
        names.append(name)
    return {name: getattr(target, name) for name in names}
