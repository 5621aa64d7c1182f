"""Where transferred files go: always inside the staging directory, whatever the file is called."""

from __future__ import annotations

from pathlib import Path

import pytest

from source_freshdesk import file_transfer
from source_freshdesk.file_transfer import safe_file_name, staged_path


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("スクリーンショット 📷.png", "スクリーンショット 📷.png"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..\\win\\system.ini", "_win_system.ini"),
        ("a\x00b\nc:d*e?.txt", "a_b_c_d_e_.txt"),
        (".hidden", "hidden"),
        ("", "_"),
        ("..", "_"),
    ],
)
def test_a_file_name_becomes_one_harmless_path_component(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_long_names_are_cut_to_200_characters() -> None:
    assert safe_file_name("x" * 500) == "x" * 200


def test_staged_files_stay_under_the_staging_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_transfer, "get_files_directory", lambda: str(tmp_path))

    path, relative = staged_path("ticket_attachments", "7", "44", "../../../escape.txt")

    assert path == tmp_path / relative
    assert path.resolve().is_relative_to(tmp_path.resolve())
    assert relative == "ticket_attachments/7/44/_.._.._escape.txt"
