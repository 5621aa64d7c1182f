"""Airbyte's connector QA checks (`airbyte-ops local connector qa`) that apply outside its monorepo,
each pinned against this repository's layout, and the Python range setup.py promises.

The QA command itself looks for `airbyte-integrations/connectors/<name>/` with a pyproject.toml and
docs under docs.airbyte.com, so it cannot run here as it is; what each check asks is checked below
instead. Poetry and "no Dockerfile" are monorepo conventions this project overrides (README, Docker
images): one setup.py holds both sources, and one Dockerfile builds both images.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from pydantic import BaseModel, ValidationError
from uv import find_uv_bin

from .artifacts import CONNECTORS, REPO_ROOT, Connector

# Airbyte's metadata schema ships in this package as the pydantic model its QA check validates
# with; its bundled JSON schema is not usable as one (nested $ids break its own $refs).
METADATA_MODELS = "airbyte-connector-models==0.1.12"
METADATA_MODEL = "airbyte_connector_models/metadata/v0/connector_metadata_definition_v0.py"
# The licenses CheckConnectorLicense accepts.
AIRBYTE_LICENSES = {"MIT", "ELV2", "AIRBYTE ENTERPRISE"}
# sha256 of Airbyte's placeholder icon, stripped and lower-cased as CheckConnectorIconIsAvailable
# compares it: a connector must not ship it.
AIRBYTE_PLACEHOLDER_ICON_SHA256 = "d3654ab216900ea812d592ff850f5441d8317c2b9f4bc6757a7e0d398730a1a8"
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
# The h2 sections of Airbyte's documentation template that every page has, in this order.
TEMPLATE_SECTIONS = (
    "Prerequisites",
    "Setup guide",
    "Supported sync modes",
    "Supported Streams",
    "Performance considerations",
    "Changelog",
)
# Where the template leaves room for a connector's own sections: after the set-up steps, after the
# streams (its features) and after the performance notes (its limitations). Keyed by the template
# section they follow.
OWN_SECTIONS_MAY_FOLLOW = {"Setup guide", "Supported Streams", "Performance considerations"}
# CheckPrerequisitesSectionDescribesRequiredFieldsFromSpec: a spec with credentials needs one of
# these words in the section instead of each credential field.
CREDENTIAL_FIELDS = {"credentials", "client_id", "client_secret", "access_token", "refresh_token"}
CREDENTIAL_WORDS = ("account", "auth", "credentials", "access", "client")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$")


def setup_keywords() -> dict[str, Any]:
    """The literal keyword arguments of setup.py's setup() call."""
    tree = ast.parse((REPO_ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setup":
            return {
                keyword.arg: ast.literal_eval(keyword.value)
                for keyword in node.keywords
                if keyword.arg and isinstance(keyword.value, (ast.Constant, ast.List))
            }
    raise AssertionError("setup.py has no setup() call")


def h2_sections(page: Path) -> dict[str, str]:
    """Each `## ` section of a Markdown page and its text, in page order; code blocks skipped."""
    sections: dict[str, str] = {}
    current: str | None = None
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("## "):
            current = line[3:].strip()
            assert current not in sections, f"{page.name}: two '## {current}' sections"
            sections[current] = ""
            continue
        elif not in_code and line.startswith("# "):
            current = None
        if current is not None:
            sections[current] += line + "\n"
    return sections


def docs_page(connector: Connector) -> Path:
    return REPO_ROOT / "docs" / f"{connector.name.removeprefix('source-')}.md"


@pytest.fixture(scope="session")
def metadata_model(tmp_path_factory: pytest.TempPathFactory) -> type[BaseModel]:
    """Airbyte's ConnectorMetadataDefinitionV0, from the one module that defines it."""
    target = tmp_path_factory.mktemp("airbyte-metadata-schema")
    # The package's own dependencies (the CDK, airbyte-api) are not needed for a module that
    # imports only pydantic, and its Python bound (<3.13) is the package's, not this module's.
    subprocess.run(
        [find_uv_bin(), "pip", "install", "--quiet", "--no-deps", "--python-version", "3.12"]
        + ["--target", str(target), METADATA_MODELS],
        check=True,
        capture_output=True,
        timeout=300,
    )
    name = "airbyte_connector_metadata_v0"
    spec = importlib.util.spec_from_file_location(name, target / METADATA_MODEL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # pydantic resolves the module's postponed annotations through sys.modules.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    model: type[BaseModel] = module.ConnectorMetadataDefinitionV0
    return model


def metadata_document(connector: Connector) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        (connector.directory / "metadata.yaml").read_text(encoding="utf-8")
    )
    return document


def test_python_range_is_the_same_in_python_requires_classifiers_and_readme() -> None:
    keywords = setup_keywords()
    requires = SpecifierSet(keywords["python_requires"])
    supported = [minor for minor in range(30) if f"3.{minor}" in requires]
    classified = sorted(
        int(classifier.rsplit(".", 1)[1])
        for classifier in keywords["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", classifier)
    )
    readme = re.search(r"Python 3\.(\d+) to 3\.(\d+)", (REPO_ROOT / "README.md").read_text())

    assert supported == list(range(supported[0], supported[-1] + 1)) and len(supported) >= 2
    assert classified == supported
    assert readme is not None, "README names no 'Python 3.X to 3.Y' range"
    assert (int(readme[1]), int(readme[2])) == (supported[0], supported[-1])


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_metadata_validates_against_airbytes_metadata_schema(
    connector: Connector, metadata_model: type[BaseModel]
) -> None:
    document = metadata_document(connector)

    metadata_model.model_validate(document)
    # Airbyte's pre-upload validators: key:value tags, a language tag, PyPI only for Python.
    tags = document["data"]["tags"]
    assert all(":" in tag for tag in tags) and any(t.startswith("language:") for t in tags)
    assert document["data"]["remoteRegistries"]["pypi"]["enabled"] is False


@pytest.mark.parametrize(
    ("field", "value"),
    [("dockerImageTagg", "0.1.0"), ("releaseStage", "stable"), ("definitionId", "not-a-uuid")],
)
def test_metadata_schema_refuses_an_unknown_field_or_a_bad_value(
    metadata_model: type[BaseModel], field: str, value: str
) -> None:
    document = metadata_document(CONNECTORS[0])
    document["data"][field] = value

    with pytest.raises(ValidationError, match=field):
        metadata_model.model_validate(document)


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_license_is_mit_in_license_file_setup_py_and_metadata(connector: Connector) -> None:
    license_text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    metadata_license = connector.metadata()["license"]

    assert license_text.startswith("MIT License\n")
    assert metadata_license.upper() in AIRBYTE_LICENSES
    assert setup_keywords()["license"] == metadata_license == "MIT"


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_version_is_semver_and_the_same_in_setup_py_metadata_and_changelog(
    connector: Connector,
) -> None:
    version = connector.metadata()["dockerImageTag"]
    changelog = h2_sections(docs_page(connector))["Changelog"]

    assert SEMVER.match(version)
    assert setup_keywords()["version"] == version
    assert re.search(rf"^\| {re.escape(version)} \|", changelog, re.MULTILINE)


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_icon_is_a_square_svg_of_its_own(connector: Connector) -> None:
    icon = connector.directory / connector.metadata()["icon"]
    root = ElementTree.parse(icon).getroot()
    left, top, width, height = (float(n) for n in root.attrib["viewBox"].split())
    normalised = icon.read_text(encoding="utf-8").strip().lower().encode()

    assert root.tag == f"{SVG_NAMESPACE}svg"
    assert (left, top) == (0, 0) and width == height > 0
    assert root.attrib["width"] == root.attrib["height"]
    assert hashlib.sha256(normalised).hexdigest() != AIRBYTE_PLACEHOLDER_ICON_SHA256


def test_each_connector_has_an_icon_of_its_own() -> None:
    icons = {(c.directory / "icon.svg").read_bytes() for c in CONNECTORS}

    assert len(icons) == len(CONNECTORS)


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_docs_h2_sections_follow_airbytes_template_order(connector: Connector) -> None:
    headers = list(h2_sections(docs_page(connector)))
    template = [h for h in headers if h in TEMPLATE_SECTIONS]
    misplaced = [
        own
        for previous, own in zip(headers, headers[1:], strict=False)
        if own not in TEMPLATE_SECTIONS
        and (previous in TEMPLATE_SECTIONS and previous not in OWN_SECTIONS_MAY_FOLLOW)
    ]

    assert template == list(TEMPLATE_SECTIONS)
    assert headers[0] == "Prerequisites" and headers[-1] == "Changelog"
    assert misplaced == [], "connector sections where the template leaves no room"


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_prerequisites_name_every_required_spec_field(connector: Connector) -> None:
    specification = connector.spec()["connectionSpecification"]
    prerequisites = h2_sections(docs_page(connector))["Prerequisites"]
    required = [f for f in specification["required"] if f not in CREDENTIAL_FIELDS]

    missing = [
        field
        for field in required
        if specification["properties"][field]["title"].lower() not in prerequisites.lower()
        or f"`{field}`" not in prerequisites
    ]
    assert missing == []
    if CREDENTIAL_FIELDS & set(specification["properties"]):
        assert any(word in prerequisites.lower() for word in CREDENTIAL_WORDS)
