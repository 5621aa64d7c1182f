"""The Dockerfile parser and .dockerignore matcher the install replay relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from .dockerfile import parse_dockerfile, parse_pairs, substitute
from .dockerignore import DockerIgnore


def _dockerfile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    return path


def test_dockerignore_last_match_wins_and_a_directory_covers_its_contents() -> None:
    ignore = DockerIgnore.parse("*\n!pkg\n**/__pycache__\n!pkg/keep.pyc\n")

    assert ignore.excludes("setup.py")
    assert ignore.excludes(".venv/bin/python")
    assert not ignore.excludes("pkg/module.py")
    assert ignore.excludes("pkg/sub/__pycache__/module.cpython-311.pyc")
    assert not ignore.excludes("pkg/keep.pyc")


def test_dockerignore_single_star_stays_within_one_path_segment() -> None:
    ignore = DockerIgnore.parse("docs/*.md\n")

    assert ignore.excludes("docs/freshdesk.md")
    assert not ignore.excludes("docs/nested/page.md")
    assert not ignore.excludes("README.md")


def test_parser_joins_continuations_and_splits_stages(tmp_path: Path) -> None:
    dockerfile = parse_dockerfile(
        _dockerfile(
            tmp_path,
            "ARG BASE=python\nFROM ${BASE} AS builder\nRUN echo a \\\n    # comment\n    && echo b\n"
            'FROM ${BASE}\nLABEL a="x y" \\\n      b=z\n',
        )
    )

    assert dockerfile.global_args == {"BASE": "python"}
    assert [stage.name for stage in dockerfile.stages] == ["builder", None]
    assert dockerfile.stages[0].instructions[0].arguments == "echo a && echo b"
    assert parse_pairs(dockerfile.stages[1].instructions[0].arguments) == {"a": "x y", "b": "z"}


@pytest.mark.parametrize(
    "body",
    ["FROM python\nCOPY <<EOT /entrypoint.sh\nexec x\nEOT\n", "FROM python\nHEALTHCHECK NONE\n"],
    ids=["heredoc", "unknown-instruction"],
)
def test_parser_refuses_what_the_replay_cannot_reproduce(tmp_path: Path, body: str) -> None:
    with pytest.raises(ValueError):
        parse_dockerfile(_dockerfile(tmp_path, body))


def test_substitute_expands_braced_and_bare_variables_and_blanks_unknown_ones() -> None:
    assert substitute("${A}/$B/${C}", {"A": "1", "B": "2"}) == "1/2/"
