"""metadata.yaml and acceptance-test-config.yml of each connector: complete, our own, consistent
with the Dockerfile and the docs."""

from __future__ import annotations

import uuid

import pytest
import yaml

from .artifacts import CONNECTORS, DOCKERFILE, REPO_ROOT, Connector
from .dockerfile import parse_dockerfile

# ConnectorMetadataDefinitionV0's required `data` fields.
REQUIRED_FIELDS = {
    "name",
    "definitionId",
    "connectorType",
    "dockerRepository",
    "dockerImageTag",
    "license",
    "documentationUrl",
    "githubIssueLabel",
    "connectorSubtype",
    "releaseStage",
}
# Airbyte's own definitions of these connectors: ours must never claim them.
AIRBYTE_DEFINITION_IDS = {
    "ec4b9503-13cb-48ab-a4ab-6ade4be46567",  # airbyte/source-freshdesk
    "f00d2cf4-3c28-499a-ba93-b50b6f26359e",  # airbyte/source-talkdesk-explore
}
# Sections whose configs the CDK standard tests run.
STANDARD_SECTIONS = ("spec", "connection", "discovery", "basic_read")


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_metadata_has_every_required_field_for_a_python_api_source(connector: Connector) -> None:
    metadata = connector.metadata()

    assert set(metadata) >= REQUIRED_FIELDS
    assert metadata["connectorType"] == "source"
    assert metadata["connectorSubtype"] == "api"
    assert metadata["dockerRepository"] == f"helpdesk-airbyte/{connector.name}"
    assert metadata["releaseStage"] == "alpha"
    assert metadata["supportLevel"] == "community"
    assert {"language:python", "cdk:python"} <= set(metadata["tags"])


def test_definition_ids_are_valid_distinct_and_not_airbytes() -> None:
    ids = [str(uuid.UUID(c.metadata()["definitionId"])) for c in CONNECTORS]

    assert len(set(ids)) == len(ids)
    assert not set(ids) & AIRBYTE_DEFINITION_IDS


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_metadata_base_image_is_the_one_the_dockerfile_builds_on(connector: Connector) -> None:
    dockerfile = parse_dockerfile(DOCKERFILE)

    assert (
        connector.metadata()["connectorBuildOptions"]["baseImage"]
        == (dockerfile.global_args["BASE_IMAGE"])
    )
    assert "@sha256:" in dockerfile.global_args["BASE_IMAGE"]


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_documentation_url_names_a_docs_page_of_this_repository(connector: Connector) -> None:
    page = f"docs/{connector.name.removeprefix('source-')}.md"

    assert connector.metadata()["documentationUrl"].endswith(f"/{page}")
    assert (REPO_ROOT / page).is_file()


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_acceptance_config_runs_every_standard_section_on_existing_configs(
    connector: Connector,
) -> None:
    config = yaml.safe_load((connector.directory / "acceptance-test-config.yml").read_text())
    sections = config["acceptance_tests"]

    assert config["test_strictness_level"] == "high"
    assert set(STANDARD_SECTIONS) <= set(sections)
    statuses = {entry.get("status") for entry in sections["connection"]["tests"]}
    assert statuses == {"succeed", "failed"}
    for section in sections.values():
        for entry in section["tests"]:
            assert (connector.directory / entry["config_path"]).is_file()
            assert entry.get("validate_schema", True) is True
