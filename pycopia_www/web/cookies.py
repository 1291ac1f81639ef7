"""Cookies (RFC 6265): reading the Cookie header, writing Set-Cookie with every attribute."""
import re
from datetime import datetime, timedelta, timezone

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_COOKIE_VALUE = re.compile(r'^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$')
_ATTRIBUTE_VALUE = re.compile(r"^[\x20-\x3a\x3c-\x7e]*$")   # no controls, no ';'
SAMESITE = ("Strict", "Lax", "None")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(when: datetime) -> str:
    """RFC 7231's IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), in English whatever the locale.
    (email.utils.format_datetime does the same but costs every backend the email package.)"""
    t = when.astimezone(timezone.utc)
    return (f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
            f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} GMT")


def parse_cookie_header(header: str) -> dict[str, str]:
    """name -> value. The first of several same-named cookies wins (browsers send the most
    specific path first). A cookie that is not UTF-8 or has a bad name is skipped, not an error:
    another application on the domain may have set it, and it must not lock users out."""
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, eq, value = part.strip().partition("=")
        name = name.strip()
        if not eq or not _TOKEN.match(name) or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        try:
            cookies[name] = value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            continue
    return cookies


def format_set_cookie(name: str, value: str = "", *, max_age: int | timedelta | None = None,
                      expires: datetime | int | float | None = None, path: str | None = "/",
                      domain: str | None = None, secure: bool = False, httponly: bool = True,
                      samesite: str | None = "Lax", partitioned: bool = False) -> str:
    """The value of one Set-Cookie header. Values outside RFC 6265's cookie-octets are refused
    (encode them first): quoting rules differ between browsers."""
    if not _TOKEN.match(name):
        raise ValueError(f"invalid cookie name {name!r}")
    if not _COOKIE_VALUE.match(value):
        raise ValueError(f"cookie {name!r}: value may not contain spaces, quotes, commas, ';', "
                         f"backslashes or non-ASCII; encode it (e.g. base64url)")
    parts = [f"{name}={value}"]
    if expires is not None:
        if isinstance(expires, (int, float)):
            expires = datetime.fromtimestamp(expires, timezone.utc)
        elif expires.tzinfo is None:
            expires = expires.replace(tzinfo=timezone.utc)
        parts.append("Expires=" + http_date(expires))
    if max_age is not None:
        if isinstance(max_age, timedelta):
            max_age = int(max_age.total_seconds())
        parts.append(f"Max-Age={int(max_age)}")
    for attribute, text in (("Domain", domain), ("Path", path)):
        if text is not None:
            if not _ATTRIBUTE_VALUE.match(text):
                raise ValueError(f"cookie {name!r}: invalid {attribute} {text!r}")
            parts.append(f"{attribute}={text}")
    if samesite is not None:
        if samesite not in SAMESITE:
            raise ValueError(f"cookie {name!r}: samesite must be one of {SAMESITE} or None")
        if samesite == "None" and not secure:
            raise ValueError(f"cookie {name!r}: SameSite=None requires secure=True")
    if partitioned and not secure:
        raise ValueError(f"cookie {name!r}: partitioned requires secure=True")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        parts.append(f"SameSite={samesite}")
    if partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)
