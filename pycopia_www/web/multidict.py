"""A read-only mapping in which a key may have several values (query strings, forms)."""
from collections.abc import Mapping


class MultiDict(Mapping):
    """d[key] is the first value; d.getall(key) all of them, in the order they came."""

    __slots__ = ("_lists",)

    def __init__(self, pairs=()):
        lists: dict[str, list] = {}
        for key, value in pairs:
            lists.setdefault(key, []).append(value)
        self._lists = lists

    def __getitem__(self, key):
        return self._lists[key][0]

    def getall(self, key, default=()) -> list:
        values = self._lists.get(key)
        return list(values) if values is not None else list(default)

    def __iter__(self):
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def items(self, multi: bool = False):
        """(key, first value) pairs; with multi=True, every (key, value) pair."""
        if not multi:
            return [(k, v[0]) for k, v in self._lists.items()]
        return [(k, value) for k, values in self._lists.items() for value in values]

    def to_dict(self) -> dict[str, list]:
        return {k: list(v) for k, v in self._lists.items()}

    def __repr__(self) -> str:
        return f"MultiDict({self.items(multi=True)!r})"
