"""Just enough of Dockerfile syntax to lint-check our own Dockerfile and replay it without Docker.

Supports what /Dockerfile uses: comments, line continuations, ARG (global and per stage), FROM ... AS,
WORKDIR, COPY [--from=stage], RUN (shell form), ENV, LABEL, USER, ENTRYPOINT (exec form). Anything
else raises, so a new instruction in the Dockerfile forces the replay to learn it instead of being
silently skipped.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

KNOWN_INSTRUCTIONS = {"ARG", "FROM", "WORKDIR", "COPY", "RUN", "ENV", "LABEL", "USER", "ENTRYPOINT"}
_VARIABLE = re.compile(
    r"\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Dockerfile:
    global_args: dict[str, str | None]
    stages: list[Stage]

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"no stage named {name!r}")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations; drop comments and blank lines (parser directives included)."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            # Docker drops comment lines inside a continued instruction.
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        lines.append((start, " ".join(part for part in pending if part)))
        pending = []
    if pending:
        raise ValueError("Dockerfile ends inside a line continuation")
    return lines


def parse_dockerfile(path: Path) -> Dockerfile:
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for line, content in _logical_lines(path.read_text(encoding="utf-8")):
        keyword, _, arguments = content.partition(" ")
        keyword = keyword.upper()
        if keyword not in KNOWN_INSTRUCTIONS:
            raise ValueError(f"line {line}: the replay does not know {keyword}")
        if "<<" in arguments and keyword in {"RUN", "COPY"}:
            raise ValueError(
                f"line {line}: heredocs are not replayable (and hadolint rejects them)"
            )
        instruction = Instruction(keyword, arguments.strip(), line)
        if keyword == "FROM":
            parts = instruction.arguments.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=parts[0], name=name))
        elif not stages:
            if keyword != "ARG":
                raise ValueError(f"line {line}: only ARG may precede the first FROM")
            global_args.update(parse_arg(instruction.arguments))
        else:
            stages[-1].instructions.append(instruction)
    return Dockerfile(global_args=global_args, stages=stages)


def parse_arg(arguments: str) -> dict[str, str | None]:
    name, has_default, default = arguments.partition("=")
    return {name.strip(): _unquote(default) if has_default else None}


def parse_pairs(arguments: str) -> dict[str, str]:
    """`KEY=value KEY2="quoted value"` as used by ENV and LABEL."""
    pairs: dict[str, str] = {}
    for token in shlex.split(arguments):
        key, has_value, value = token.partition("=")
        if not has_value:
            raise ValueError(f"only the KEY=value form is supported, got {token!r}")
        pairs[key] = value
    return pairs


def parse_exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected the exec (JSON array) form")
    return value


def substitute(text: str, variables: dict[str, str]) -> str:
    """Docker's ${VAR} / $VAR expansion for non-RUN instructions; unknown variables become ''."""
    return _VARIABLE.sub(
        lambda match: variables.get(match.group("braced") or match.group("bare"), ""), text
    )


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
