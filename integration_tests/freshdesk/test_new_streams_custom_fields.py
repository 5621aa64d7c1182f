"""Typed custom fields against the sandbox: discover types custom_fields from the account's field
definitions, reads coerce values to those types, and unreadable definitions keep the open object."""

from __future__ import annotations

from typing import Any

from integration_tests.connector_runner import discover_catalog
from integration_tests.freshdesk.conftest import SCRIPT, config_for, sync

STREAMS = ["tickets", "contacts", "companies"]
SMALL = {"ticket_count": 60, "contact_count": 40}


def custom_fields_schemas(sandbox: Any) -> dict[str, Any]:
    catalog = discover_catalog(SCRIPT, config_for(sandbox), STREAMS)
    return {
        s["stream"]["name"]: s["stream"]["json_schema"]["properties"]["custom_fields"]
        for s in catalog["streams"]
    }


def test_discover_gives_each_custom_field_the_type_of_its_definition(sandbox_with) -> None:
    schemas = custom_fields_schemas(sandbox_with(**SMALL))

    tickets = schemas["tickets"]["properties"]
    assert tickets["cf_order_number"]["type"] == ["null", "integer"]
    assert tickets["cf_vip"]["type"] == ["null", "boolean"]
    assert tickets["cf_issue_type_297457"]["type"] == ["null", "string"]
    # A nested field: every level is a key of its own.
    assert {"cf_country", "cf_state", "cf_city"} <= tickets.keys()
    assert schemas["contacts"]["properties"]["cf_newsletter"]["type"] == ["null", "boolean"]
    assert schemas["companies"]["properties"]["cf_contract_value"]["type"] == ["null", "number"]
    assert all(schema["additionalProperties"] is True for schema in schemas.values())


def test_records_are_coerced_to_their_fields_types(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)

    output = sync(sandbox, STREAMS)

    assert output.returncode == 0 and not output.errors()
    newsletters = {c["custom_fields"].get("cf_newsletter") for c in output.records("contacts")}
    assert newsletters <= {True, False, None}  # the API's "true" string became a boolean
    assert "true" in {c["custom_fields"].get("cf_newsletter") for c in sandbox.records("contacts")}
    banks = [t["custom_fields"]["cf_bank964807"] for t in output.records("tickets")]
    assert all(isinstance(value, str) for value in banks if value is not None)
    # Fields without a definition pass through untouched.
    truth = {t["id"]: t for t in sandbox.records("tickets")}
    for ticket in output.records("tickets"):
        assert (
            ticket["custom_fields"]["cf_score"] == truth[ticket["id"]]["custom_fields"]["cf_score"]
        )


def test_unreadable_definitions_keep_the_shipped_open_object(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)
    sandbox.inject_errors("/api/v2/company_fields", statuses=[403], html_body=False)

    schemas = custom_fields_schemas(sandbox)

    assert "properties" not in schemas["companies"]
    assert schemas["companies"]["additionalProperties"] is True
    assert "cf_newsletter" in schemas["contacts"]["properties"]
