"""The one error type for configuration problems: it always names file, key and problem."""
from pathlib import Path


class ConfigError(Exception):
    def __init__(self, file: Path | str, key: str, problem: str):
        self.file = str(file)
        self.key = key
        self.problem = problem
        super().__init__(f"{self.file}: {key}: {problem}" if key else f"{self.file}: {problem}")
