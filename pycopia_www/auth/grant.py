"""lighttpd's go-ahead from the authorizer, for pages and event streams alike."""
from .. import authproof
from ..web.response import Response


def granted(variables: dict[str, str]) -> Response:
    """lighttpd's go-ahead: the variables it passes to the responder, signed with this virtual
    host's identity key (pycopia_www/authproof.py), so a backend can tell the authorizer's word
    from a forged one."""
    key = authproof.installed_key()
    if key is not None:
        variables = authproof.sign(key, variables)
    return Response("", 200, [(f"Variable-{k}", v) for k, v in variables.items()])
