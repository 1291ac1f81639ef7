"""Password hashes: scrypt with a per-user random salt, parameters stored with the hash so the
cost can be raised without invalidating old hashes: a hash below the current cost is replaced at
the next successful login (needs_rehash)."""
import base64
import hashlib
import hmac
import secrets

# N = 2^17, r = 8, p = 1: OWASP's minimum for scrypt (128 MiB and a few hundred milliseconds per
# guess). A virtual host may choose another cost ([auth] password_cost), within MIN/MAX_COST.
DEFAULT_COST = 17
MIN_COST, MAX_COST = 14, 18
R, P = 8, 1
# scrypt needs 128 * r * N bytes; stored parameters above MAX_COST are refused, not computed.
_MAXMEM = 129 * R * 2 ** MAX_COST
_dummies: dict[int, str] = {}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, cost: int = DEFAULT_COST) -> str:
    n = 2 ** cost
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=R, p=P, dklen=32, maxmem=_MAXMEM)
    return f"scrypt${n}${R}${P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str | None, cost: int = DEFAULT_COST) -> bool:
    """Constant work whether or not the user exists (stored None, checked against a dummy hash
    of `cost`, the store's current cost): no timing hint about names."""
    if stored is None:
        if cost not in _dummies:
            _dummies[cost] = hash_password(secrets.token_hex(8), cost)
        verify_password(password, _dummies[cost])
        return False
    try:
        kind, n, r, p, salt, key = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(key)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(expected), maxmem=_MAXMEM)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def needs_rehash(stored: str, cost: int = DEFAULT_COST) -> bool:
    """Whether `stored` was made with less work than `cost` asks for (or is not understood)."""
    try:
        kind, n, r, p, _salt, _key = stored.split("$")
        return kind != "scrypt" or int(n) < 2 ** cost or int(r) < R or int(p) < P
    except ValueError:
        return True


def generate_password() -> str:
    """About 115 bits, easy to copy: groups of letters and digits without look-alikes."""
    alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXYZ2345679"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
