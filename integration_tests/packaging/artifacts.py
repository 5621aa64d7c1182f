"""Where the shipped artefacts live and what each image is expected to contain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "Dockerfile"
HADOLINT_CONFIG = REPO_ROOT / ".hadolint.yaml"


@dataclass(frozen=True)
class Connector:
    name: str  # console script, CONNECTOR_NAME build argument and connectors/<name>/
    package: str

    @property
    def directory(self) -> Path:
        return REPO_ROOT / "connectors" / self.name

    def metadata(self) -> dict[str, Any]:
        return yaml.safe_load((self.directory / "metadata.yaml").read_text(encoding="utf-8"))[
            "data"
        ]

    def spec(self) -> dict[str, Any]:
        return json.loads((REPO_ROOT / self.package / "spec.json").read_text(encoding="utf-8"))


CONNECTORS = (
    Connector(name="source-freshdesk", package="source_freshdesk"),
    Connector(name="source-talkdesk-explore", package="source_talkdesk_explore"),
)


def protocol_messages(stdout: str) -> list[dict[str, Any]]:
    """The JSON lines of a connector's stdout; anything else there would break the platform."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]
