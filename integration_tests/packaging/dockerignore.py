""".dockerignore matching with Docker's rules: last matching pattern wins, `!` re-includes, a
pattern that matches a directory covers everything below it, `*` stays within one path segment and
`**` spans any number of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


def _to_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts) + r"\Z")


@dataclass(frozen=True)
class DockerIgnore:
    rules: tuple[tuple[bool, re.Pattern[str]], ...]

    @classmethod
    def load(cls, path: Path) -> DockerIgnore:
        if not path.exists():
            return cls(rules=())
        return cls.parse(path.read_text(encoding="utf-8"))

    @classmethod
    def parse(cls, text: str) -> DockerIgnore:
        rules = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            include = line.startswith("!")
            pattern = str(PurePosixPath(line.lstrip("!").strip().lstrip("/")))
            rules.append((include, _to_regex(pattern)))
        return cls(rules=tuple(rules))

    def excludes(self, relative_path: str) -> bool:
        path = PurePosixPath(relative_path.removeprefix("./"))
        candidates = [str(path), *(str(parent) for parent in path.parents if str(parent) != ".")]
        excluded = False
        for include, regex in self.rules:
            if any(regex.match(candidate) for candidate in candidates):
                excluded = not include
        return excluded
