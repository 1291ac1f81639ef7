"""JSON proxies: Python objects called from JavaScript (pycopia_www/static/proxy.js, served at /pwww/proxy.js) or Python (proxy.client)
over JSON-RPC 2.0 with typed values. The wire format is specified in docs/proxy.md."""
from .codec import EnumMember, register_type
from .errors import RPCError, public_error
from .server import Proxy

__all__ = ["EnumMember", "Proxy", "RPCError", "public_error", "register_type"]
