"""Fresh virtualenvs that know nothing of the dev setup: the project goes in as a built wheel.

The PyAirbyte environment is kept under `.venv-pyairbyte/` (git-ignored) and reused while the
pinned versions stay the same; the project's wheel is rebuilt from the working tree and reinstalled
on every run, so the test always exercises the current code. uv installs into it (pip took minutes
for PyAirbyte's dependencies on a clean machine, uv takes seconds).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from uv import find_uv_bin

from .artifacts import REPO_ROOT
from .dockerignore import DockerIgnore

PYAIRBYTE_VERSION = "0.71.3"
PYAIRBYTE_VENV = REPO_ROOT / ".venv-pyairbyte"


class InstallError(RuntimeError):
    pass


def _run_installer(command: list[str], timeout: float) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    if completed.returncode != 0:
        raise InstallError(
            f"{' '.join(command[:3])} exited {completed.returncode}:\n{completed.stderr[-4000:]}"
        )


def _pip(python: Path, *arguments: str, timeout: float = 900) -> None:
    _run_installer([str(python), "-m", "pip", "--disable-pip-version-check", *arguments], timeout)


def _uv_install(python: Path, *arguments: str, timeout: float = 900) -> None:
    _run_installer(
        [find_uv_bin(), "pip", "install", "--quiet", "--python", str(python), *arguments], timeout
    )


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise set-up between test processes that share the cached environment."""
    # The lock lives outside the repository (nothing to git-ignore) and outside the environment
    # (which set-up may delete); its name is derived from the environment's path.
    digest = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"fresh-venv-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def python_of(environment: Path) -> Path:
    return environment / "bin" / "python"


def ensure_pyairbyte_venv(environment: Path = PYAIRBYTE_VENV) -> Path:
    """A virtualenv with PyAirbyte (and so DuckDB) installed; created once, then reused."""
    interpreter = f"py{sys.version_info.major}.{sys.version_info.minor}"
    marker = environment / f".ready-airbyte-{PYAIRBYTE_VERSION}-{interpreter}"
    with _locked(environment):
        if not marker.exists():
            shutil.rmtree(environment, ignore_errors=True)
            venv.EnvBuilder(with_pip=True).create(environment)
            _uv_install(python_of(environment), f"airbyte=={PYAIRBYTE_VERSION}")
            marker.touch()
    return environment


def build_project_wheel(workspace: Path) -> Path:
    """Build the project's wheel from a clean copy of what the Docker context would send.

    Building in the working tree would reuse setuptools' build/ directory, which keeps modules that
    have since been deleted; a copy filtered by .dockerignore cannot.
    """
    ignore = DockerIgnore.load(REPO_ROOT / ".dockerignore")
    source = workspace / "project"
    # Excluded directories are pruned (the dev virtualenvs are large); .dockerignore re-includes
    # nothing below an excluded directory, so pruning loses nothing.
    for directory, subdirectories, files in os.walk(REPO_ROOT):
        relative = Path(directory).relative_to(REPO_ROOT)
        subdirectories[:] = [
            name for name in subdirectories if not ignore.excludes((relative / name).as_posix())
        ]
        for name in files:
            if not ignore.excludes((relative / name).as_posix()):
                target = source / relative / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(directory) / name, target)
    wheels = workspace / "wheels"
    _pip(
        Path(sys.executable),
        "wheel",
        "--quiet",
        "--no-deps",
        "--wheel-dir",
        str(wheels),
        str(source),
    )
    (wheel,) = wheels.glob("*.whl")
    return wheel


def install_project(environment: Path, wheel: Path) -> None:
    """Replace whatever build of the project the environment had with `wheel`, plus its deps."""
    with _locked(environment):
        python = python_of(environment)
        _uv_install(python, "--reinstall", "--no-deps", str(wheel))
        _uv_install(python, str(wheel))
