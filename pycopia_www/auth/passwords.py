"""Password hashes: scrypt with a per-user random salt, parameters stored with the hash so they
can be raised later without invalidating old hashes."""
import base64
import hashlib
import hmac
import secrets

N, R, P = 2 ** 14, 8, 1         # ~16 MiB and tens of milliseconds per guess
_DUMMY = None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant work whether or not the user exists (stored None): no timing hint about names."""
    global _DUMMY
    if stored is None:
        _DUMMY = _DUMMY or hash_password(secrets.token_hex(8))
        verify_password(password, _DUMMY)
        return False
    try:
        kind, n, r, p, salt, key = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(key)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(expected), maxmem=64 << 20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def generate_password() -> str:
    """About 115 bits, easy to copy: groups of letters and digits without look-alikes."""
    alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXYZ2345679"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
