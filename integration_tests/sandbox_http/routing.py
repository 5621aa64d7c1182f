"""Method + path pattern -> target, first match wins, in the order routes were added."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class _Entry(Generic[T]):
    method: str
    pattern: re.Pattern[str]
    target: T


class Router(Generic[T]):
    def __init__(self) -> None:
        self._entries: list[_Entry[T]] = []

    def add(self, method: str, pattern: str | re.Pattern[str], target: T) -> None:
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        self._entries.append(_Entry(method.upper(), compiled, target))

    def resolve(self, method: str, path: str) -> tuple[T, re.Match[str]] | None:
        for entry in self._entries:
            if entry.method == method.upper():
                found = entry.pattern.fullmatch(path)
                if found:
                    return entry.target, found
        return None

    def knows_path(self, path: str) -> bool:
        """Some method serves this path: a wrong method is then 405, not 404."""
        return any(entry.pattern.fullmatch(path) for entry in self._entries)
