"""Run a connector image the way the platform's launcher runs it, through the `docker` CLI."""

from __future__ import annotations

import json
import shlex
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from integration_tests.connector_runner import SyncOutput

# The folder and file names the platform's launcher mounts (FileConstants of airbyte-platform).
MOUNT = "/config"
FILE_NAMES = {
    "config": "connectorConfig.json",
    "catalog": "catalog.json",
    "state": "inputState.json",
}


class Launch(Enum):
    """How the container's command starts the connector."""

    # What the platform's launcher runs in /bin/sh: the image's AIRBYTE_ENTRYPOINT, evaluated.
    PLATFORM_SHELL = "platform-shell"
    # What `docker run IMAGE verb ...` does: the image's ENTRYPOINT.
    ENTRYPOINT = "entrypoint"


def run_in_image(
    image: str,
    verb: str,
    launch: Launch = Launch.ENTRYPOINT,
    config: Mapping[str, Any] | None = None,
    catalog: Mapping[str, Any] | None = None,
    state: Sequence[Mapping[str, Any]] | None = None,
    timeout: float = 600,
) -> SyncOutput:
    """`verb` in a fresh container of `image`, as the platform runs it: the inputs mounted read-only,
    a read-only root filesystem with a tmpfs /tmp, the image's own user, the host's network (the
    sandboxes listen on its 127.0.0.1)."""
    inputs = {"config": config, "catalog": catalog, "state": state}
    with tempfile.TemporaryDirectory(prefix="image-run-") as workdir:
        folder = Path(workdir)
        # The image's user is not this process's: the folder and files must be world-readable.
        folder.chmod(0o755)
        flags: list[str] = []
        for name, value in inputs.items():
            if value is None:
                continue
            path = folder / FILE_NAMES[name]
            path.write_text(json.dumps(value), encoding="utf-8")
            path.chmod(0o644)
            flags += [f"--{name}", f"{MOUNT}/{FILE_NAMES[name]}"]
        command = [
            "docker",
            "run",
            "--rm",
            "--network=host",
            "--read-only",
            "--tmpfs",
            "/tmp",
            "--volume",
            f"{folder}:{MOUNT}:ro",
        ]
        if launch is Launch.PLATFORM_SHELL:
            line = shlex.join([verb, *flags])
            command += [
                "--entrypoint",
                "/bin/sh",
                image,
                "-c",
                f'eval "$AIRBYTE_ENTRYPOINT {line}"',
            ]
        else:
            command += [image, verb, *flags]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        seconds = time.perf_counter() - started
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return SyncOutput(messages, result.returncode, result.stderr, seconds, result.stdout)


def inspect(image: str) -> dict[str, Any]:
    """The image's configuration as `docker image inspect` reports it."""
    result = subprocess.run(
        ["docker", "image", "inspect", image], capture_output=True, text=True, check=True
    )
    (details,) = json.loads(result.stdout)
    return dict(details)
