"""The exception a method raises to choose its own JSON-RPC error (the codes are rpcwire's), and
the mark that lets an exception's type and message reach the caller."""
from ..rpcwire import (CONFLICT, FORBIDDEN, INTERNAL_ERROR, INVALID_PARAMS,  # noqa: F401
                       INVALID_REQUEST, LOGIN_REQUIRED, METHOD_NOT_FOUND, METHOD_RAISED, NOT_FOUND,
                       PARSE_ERROR)


class RPCError(Exception):
    """Raise from a proxy method to answer with this code, message and data exactly."""

    def __init__(self, code: int, message: str, data=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_wire(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class InvalidParams(RPCError):
    def __init__(self, message: str):
        super().__init__(INVALID_PARAMS, message)


# The class attribute public_error sets. A class that cannot import this module (one below the
# proxy layer, such as runas.RunAsRefused) may set it in its own body.
PUBLIC = "pwww_public_error"


def public_error(cls: type) -> type:
    """Mark an exception class (and its subclasses) as public: when a proxy method raises it, the
    caller gets its type name and message. Any other exception is answered "failed" only (its
    message may hold paths, SQL or internal state); the server's log has it. A class decorator."""
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        raise TypeError(f"public_error marks exception classes, not {cls!r}")
    setattr(cls, PUBLIC, True)
    return cls


def is_public(exc: BaseException, also=()) -> bool:
    """Marked with public_error, or an instance of one of `also` (a proxy's public_errors=)."""
    return isinstance(exc, tuple(also)) or bool(getattr(type(exc), PUBLIC, False))
