"""rpc.discover: an OpenRPC 1.2.6 document describing a proxy's methods.

Annotations become JSON schemas where there is an obvious one; the typed values of docs/proxy.md
are described by their tag. A default that cannot be sent (an object) is left out.
"""
import inspect
import types
import typing
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from ..rpcwire import ERROR_NAMES
from .codec import EncodeError

_SIMPLE = {
    str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"},
    bool: {"type": "boolean"}, type(None): {"type": "null"},
    list: {"type": "array"}, tuple: {"type": "array"}, dict: {"type": "object"},
}
_TAGGED = {datetime: "datetime", date: "date", time: "time", Decimal: "decimal", set: "set",
           frozenset: "frozenset", bytes: "bytes", UUID: "uuid"}


def schema_of(annotation) -> dict:
    if annotation is inspect.Parameter.empty or annotation is typing.Any:
        return {}
    if annotation in _SIMPLE:
        return dict(_SIMPLE[annotation])
    if annotation in _TAGGED:
        return {"x-type": _TAGGED[annotation]}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [schema_of(a) for a in args]}
    if origin in (list, tuple, set, frozenset) and args:
        base = schema_of(origin)
        if origin in (list, set, frozenset) or (len(args) == 2 and args[1] is Ellipsis):
            base["items"] = schema_of(args[0])
        return base
    if origin is dict:
        return {"type": "object"}
    if isinstance(annotation, type):
        return {"x-type": annotation.__name__}
    return {"x-annotation": str(annotation)}


def _hints(function) -> dict:
    try:
        return typing.get_type_hints(function)
    except Exception:
        return {}


def describe_method(method, codec) -> dict:
    hints = _hints(method.function)
    params = []
    for p in method.signature.parameters.values():
        if p.kind is p.VAR_KEYWORD or p.kind is p.VAR_POSITIONAL:
            continue
        entry = {"name": p.name, "required": p.default is p.empty,
                 "schema": schema_of(hints.get(p.name, p.annotation))}
        if p.kind is p.KEYWORD_ONLY:
            entry["x-keyword-only"] = True
        if p.default is not p.empty:
            try:
                entry["x-default"] = codec.encode(p.default)
            except EncodeError:
                pass
        params.append(entry)
    doc = {"name": method.name, "params": params, "paramStructure": method.param_structure,
           "result": {"name": "result", "schema": schema_of(hints.get("return", inspect.Parameter.empty))}}
    if method.description:
        doc["description"] = method.description
    if method.roles is not None:
        doc["x-roles"] = sorted(method.roles)
    return doc


def openrpc_document(title: str, methods: dict, codec, max_batch: int,
                     batch_seconds: float) -> dict:
    return {
        "openrpc": "1.2.6",
        "info": {"title": title, "version": "1", "x-max-batch": max_batch,
                 "x-batch-seconds": batch_seconds,
                 "x-error-codes": {str(code): name for code, name in ERROR_NAMES.items()}},
        "methods": [describe_method(m, codec) for m in methods.values()],
    }
