"""The proxy's wire protocol in constants: the one place `web`, `proxy`, `auth` and (through
rpc.discover) js/proxy.js take them from. Constants only; no imports, so any layer may use it.

See docs/proxy.md for the protocol these describe.
"""

# Every proxy call carries this header. A browser sends a custom header cross-site only after a
# CORS preflight, which is never approved: so its presence proves a same-origin script.
PROXY_HEADER = "X-Requested-With"
PROXY_HEADER_VALUE = "pycopia-www"

# JSON-RPC 2.0 error codes (section 5.1), and the ones of this framework (-32000 to -32099 are
# the spec's "server error" range).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
METHOD_RAISED = -32000       # the method raised an exception; data names its type
LOGIN_REQUIRED = -32001
FORBIDDEN = -32003
NOT_FOUND = -32004           # e.g. no row with that key (the database API)
CONFLICT = -32009            # e.g. a unique or foreign key constraint refused the change
OUT_OF_TIME = -32029         # a batch's time budget ran out before this call was made

# The code of a call whose method raised an HTTP error (or one the web layer translates, such as
# an integrity error): by its status, the error's own type and reason in the answer.
STATUS_CODES = {401: LOGIN_REQUIRED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}

# The names clients give these codes when no Python exception names the error (rpc.discover
# advertises them as x-error-codes; proxy.js and the Python client use the same names).
ERROR_NAMES = {PARSE_ERROR: "ParseError", INVALID_REQUEST: "InvalidRequest",
               METHOD_NOT_FOUND: "MethodNotFound", INVALID_PARAMS: "InvalidParams",
               INTERNAL_ERROR: "InternalError", LOGIN_REQUIRED: "LoginRequired",
               FORBIDDEN: "Forbidden", NOT_FOUND: "NotFound", CONFLICT: "Conflict",
               OUT_OF_TIME: "OutOfTime"}

# What a refused proxy call gets instead of a page, by HTTP status (the authorizer, the web
# layer's route check and the proxy's own role check all answer these).
REFUSALS = {401: (LOGIN_REQUIRED, "login required"), 403: (FORBIDDEN, "forbidden")}

# The server's default limits; rpc.discover advertises the batch limit.
MAX_BODY = 1 << 20           # bytes of one request body
MAX_BATCH = 100              # calls in one batch
BATCH_SECONDS = 5.0          # a batch's time budget: calls not begun by then are answered OUT_OF_TIME
MAX_DEPTH = 64               # nesting of arrays and objects in one value
# Bounds on the work one body may ask for before any method runs (hash flooding and the like):
MAX_ITEMS = 10_000           # members of one array or object
MAX_ELEMENTS = 50_000        # members of all arrays and objects of one body together
MAX_DIGITS = 1_300           # of one integer or decimal (a 4096-bit number fits)


def refusal(status: int) -> dict:
    """The JSON-RPC response object for a call refused with HTTP `status` (401 or 403)."""
    code, message = REFUSALS[status]
    return {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}
