"""The CDK standard suite's catalog checks, made failures instead of warnings."""

from __future__ import annotations

import pytest
from airbyte_cdk.test import standard_tests

# The catalog checks the CDK only warns about (cursor and primary key present in the schema, valid
# JSON schemas) are failures here. CDK releases before those checks have no such warning, and
# naming a missing class in filterwarnings is an error of its own, so the mark is only set where
# the class exists.
CATALOG_WARNINGS_ARE_ERRORS: list[pytest.MarkDecorator] = (
    [pytest.mark.filterwarnings("error::airbyte_cdk.test.standard_tests.DiscoveredCatalogWarning")]
    if hasattr(standard_tests, "DiscoveredCatalogWarning")
    else []
)
