"""The exception a method raises to choose its own JSON-RPC error (the codes are rpcwire's)."""
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
