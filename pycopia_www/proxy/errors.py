"""JSON-RPC 2.0 error codes, and the exception a method raises to choose its own."""

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
METHOD_RAISED = -32000       # the method raised an exception; data names its type
LOGIN_REQUIRED = -32001
FORBIDDEN = -32003


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
