"""Typed, strict reading of one TOML table, so every error names its file and full key path."""
from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError

REQUIRED = object()

_KIND_NAMES = {str: "a string", int: "an integer", bool: "true or false", float: "a number",
               list: "a list", dict: "a table"}


class Fields:
    def __init__(self, data: Any, file: Path, path: str = ""):
        self.file = file
        self.path = path
        if not isinstance(data, dict):
            raise ConfigError(file, path, "must be a table")
        self._data = dict(data)
        self._seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, problem: str) -> ConfigError:
        return ConfigError(self.file, self.key(name), problem)

    def has(self, name: str) -> bool:
        return name in self._data

    def get(self, name: str, kind: type, default: Any = REQUIRED,
            check: Callable[[Any], str | None] | None = None) -> Any:
        """The value of `name`, which must be of `kind`; `check` returns a problem or None."""
        self._seen.add(name)
        if name not in self._data:
            if default is REQUIRED:
                raise self.error(name, "missing (required)")
            return default
        value = self._data[name]
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise self.error(name, f"must be {_KIND_NAMES.get(kind, kind.__name__)}, "
                                   f"not {type(value).__name__} {value!r}")
        if check is not None:
            problem = check(value)
            if problem:
                raise self.error(name, problem)
        return value

    def strings(self, name: str, default: Any = REQUIRED, check=None) -> tuple[str, ...]:
        values = self.get(name, list, default)
        for i, item in enumerate(values):
            if not isinstance(item, str):
                raise self.error(f"{name}[{i}]", f"must be a string, not {item!r}")
            problem = check(item) if check else None
            if problem:
                raise self.error(f"{name}[{i}]", problem)
        return tuple(values)

    def string_table(self, name: str) -> dict[str, str]:
        table = self.get(name, dict, {})
        for k, v in table.items():
            if not isinstance(v, str):
                raise self.error(f"{name}.{k}", f"must be a string, not {v!r}")
        return dict(table)

    def sub(self, name: str, data: Any) -> "Fields":
        return Fields(data, self.file, self.key(name))

    def done(self) -> None:
        """Every key not read is unknown: a typo must not be silently ignored."""
        for name in self._data:
            if name not in self._seen:
                raise self.error(name, "unknown key")
