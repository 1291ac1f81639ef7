"""Header collections: a response's (ordered, repeatable) and a request's (a view of the environ)."""
from collections.abc import Mapping


_CHECKED_NAMES: set[str] = set()      # names found valid: the same few come in every response


def check_header(name: str, value: str) -> None:
    """Refuse what would split or corrupt the header block (response splitting)."""
    if name not in _CHECKED_NAMES:
        if not name or any(c in name for c in ":\r\n \t") or not name.isascii():
            raise ValueError(f"invalid header name {name!r}")
        if len(_CHECKED_NAMES) < 512 and type(name) is str:
            _CHECKED_NAMES.add(name)
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(f"line break or NUL in the value of header {name!r}")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"header {name!r}: value must be latin-1 (percent-encode it)") from None


class Headers:
    """Response headers: case-insensitive lookup, order kept, names may repeat (Set-Cookie)."""

    __slots__ = ("_items",)

    def __init__(self, items=()):
        self._items: list[tuple[str, str]] = []
        for name, value in items:
            self.add(name, value)

    def add(self, name: str, value) -> None:
        value = str(value)
        check_header(name, value)
        self._items.append((name, value))

    def set(self, name: str, value) -> None:
        """Replace every header of that name with one."""
        self.remove(name)
        self.add(name, value)

    def setdefault(self, name: str, value) -> None:
        if name not in self:
            self.add(name, value)

    def remove(self, name: str) -> None:
        lower = name.lower()
        self._items = [(n, v) for n, v in self._items if n.lower() != lower]

    def get(self, name: str, default=None):
        lower = name.lower()
        for n, v in self._items:
            if n.lower() == lower:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        lower = name.lower()
        return [v for n, v in self._items if n.lower() == lower]

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class RequestHeaders(Mapping):
    """The request's headers, read from the WSGI environ: headers["Content-Type"]."""

    __slots__ = ("_environ",)
    _SPECIAL = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}

    def __init__(self, environ):
        self._environ = environ

    @staticmethod
    def _key(name: str) -> str:
        key = name.upper().replace("-", "_")
        return key if key in RequestHeaders._SPECIAL else "HTTP_" + key

    def __getitem__(self, name: str) -> str:
        value = self._environ.get(self._key(name))
        if value is None or (value == "" and name.upper().replace("-", "_") in self._SPECIAL):
            raise KeyError(name)
        return value

    def __iter__(self):
        for key, value in self._environ.items():
            if key.startswith("HTTP_"):
                yield key[5:].replace("_", "-").title()
            elif key in self._SPECIAL and value != "":
                yield self._SPECIAL[key]

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def size(self) -> int:
        """Bytes of header names and values, roughly as they came on the wire."""
        return sum(len(k) - 5 + len(v) + 4 for k, v in self._environ.items()
                   if k.startswith("HTTP_") and isinstance(v, str))
