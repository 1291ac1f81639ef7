"""The authorizer's word, signed (security review H1; docs/security.md).

A protected backend learns who is logged in from variables the auth backend's authorizer gives
lighttpd (REMOTE_USER, PWWW_ROLES, ...). lighttpd is not the only process that could reach a
backend's socket (a co-tenant of the front-end user, a compromised backend, a peer on a remote
backend's network), so the authorizer signs what it asserts: an HMAC over every variable it
passes and an expiry, under a key per virtual host that the supervisor keeps (root's, 0600) and
hands to the auth backend and the protected backends alone, in their spec. A backend accepts
the variables only with a valid, unexpired proof; without one the request is refused.

Standard library only: the auth backend, every web backend and the events server use it.
"""
import hashlib
import hmac
import time

PROOF = "PWWW_PROOF"
EXPIRES = "PWWW_PROOF_EXPIRES"
# What the authorizer asserts, all of it signed (a missing one signs as "").
SIGNED = ("REMOTE_USER", "PWWW_ROLES", "PWWW_SESSION", "PWWW_CSRF", "PWWW_SESSION_ENDS",
          "PWWW_AUTHZ_PATH")
# Seconds a proof is good for: it is made right before lighttpd passes the request on.
LIFETIME = 30
KEY_SIZE = 32

_key: bytes | None = None


def install(key: bytes) -> None:
    """The key of this process's virtual host (farm/backend.py, after the privilege drop)."""
    global _key
    if len(key) != KEY_SIZE:
        raise ValueError(f"an identity key is {KEY_SIZE} bytes, not {len(key)}")
    _key = key


def installed_key() -> bytes | None:
    return _key


def _mac(key: bytes, values, expires: str) -> str:
    message = "\0".join([*(f"{name}={values.get(name, '')}" for name in SIGNED), expires])
    return hmac.new(key, message.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def sign(key: bytes, variables: dict[str, str], now: float | None = None) -> dict[str, str]:
    """`variables` with the proof added (what the authorizer answers as Variable-* headers)."""
    expires = str(int((time.time() if now is None else now) + LIFETIME))
    return {**variables, EXPIRES: expires, PROOF: _mac(key, variables, expires)}


def verify(key: bytes, environ, now: float | None = None) -> str | None:
    """None if the authorizer's variables in `environ` carry a valid, unexpired proof; else why
    not (for the log)."""
    proof, expires = environ.get(PROOF), environ.get(EXPIRES, "")
    if not proof:
        return "no proof from the authorizer"
    if not expires.isdigit() or int(expires) < (time.time() if now is None else now):
        return "the authorizer's proof has expired"
    values = {name: environ[name] for name in SIGNED if name in environ}
    if not hmac.compare_digest(proof, _mac(key, values, expires)):
        return "the authorizer's proof does not match"
    return None
