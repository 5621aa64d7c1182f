"""Account configuration streams against the sandbox: field definitions, ticket forms, the account,
automation rules and the admin view of ticket fields, full and incremental, and for an agent key."""

from __future__ import annotations

from typing import Any

import pytest

from integration_tests.freshdesk.conftest import ids, sync
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

ADMIN_STREAMS = [
    "account",
    "automation_rules",
    "company_fields",
    "contact_fields",
    "ticket_fields",
    "ticket_forms",
]
MASK = "**********"


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with FreshdeskSandbox(SandboxSettings(ticket_count=30, contact_count=20)) as running:
        yield running


@pytest.fixture(scope="module")
def admin_sync(sandbox: FreshdeskSandbox) -> Any:
    output = sync(sandbox, ADMIN_STREAMS)
    assert output.returncode == 0 and not output.errors()
    return output


@pytest.mark.parametrize("stream", ["contact_fields", "company_fields", "automation_rules"])
def test_metadata_stream_emits_every_sandbox_record(admin_sync, sandbox, stream: str) -> None:
    assert sorted(ids(admin_sync.records(stream))) == sorted(ids(sandbox.records(stream)))


def test_field_definitions_keep_their_choices_of_every_shape(admin_sync, sandbox) -> None:
    emitted = {r["id"]: r for r in admin_sync.records("contact_fields")}
    for truth in sandbox.records("contact_fields"):
        assert emitted[truth["id"]]["choices"] == truth["choices"], truth["name"]
    assert {type(r.get("choices")) for r in emitted.values()} >= {list, dict}


def test_account_is_one_record_keyed_by_account_id_with_exact_big_ids(admin_sync, sandbox) -> None:
    (account,) = admin_sync.records("account")
    (truth,) = sandbox.records("account")
    assert account["account_id"] == truth["account_id"]
    assert account["organisation_id"] == truth["organisation_id"] > 2**53
    assert account["address"]["postalcode"] == "02108"  # a string: the leading zero stays


def test_automation_rules_of_all_three_types_carry_rule_type_and_masked_webhooks(
    admin_sync,
) -> None:
    rules = admin_sync.records("automation_rules")
    assert {(r["automation_type_id"], r["rule_type"]) for r in rules} == {
        (1, "ticket_creation"),
        (3, "time_triggers"),
        (4, "ticket_updates"),
    }
    webhooks = [a for r in rules for a in r["actions"] if a["field_name"] == "trigger_webhook"]
    assert len(webhooks) == 3
    for action in webhooks:
        assert action["api_key"] == MASK
        assert action["auth_header"] == {"username": "hook", "password": MASK}
        assert action["custom_headers"] == {"X-Token": MASK}
        assert action["url"] == "https://hooks.example.com/freshdesk"
    assert "secret-" not in admin_sync.stdout_text


def test_ticket_forms_carry_their_fields_with_api_wide_stamps_and_booleans(
    admin_sync, sandbox
) -> None:
    forms = {f["id"]: f for f in admin_sync.records("ticket_forms")}
    assert forms.keys() == set(ids(sandbox.records("ticket_forms")))
    for truth in sandbox.records("ticket_forms"):
        fields = forms[truth["id"]]["fields"]
        assert ids(fields) == ids(truth["fields"])
        assert forms[truth["id"]]["portals"] == truth["portals"]
        for field, raw in zip(fields, truth["fields"], strict=True):
            assert field["created_at"] == raw["created_at"].replace(" ", "T") + "Z"
        requester = next(f for f in fields if f["type"] == "default_requester")
        assert requester["portal_cc"] is False


def test_ticket_fields_of_an_admin_key_join_the_admin_view(admin_sync, sandbox) -> None:
    emitted = {r["id"]: r for r in admin_sync.records("ticket_fields")}
    truth = {r["id"]: r for r in sandbox.records("ticket_fields")}
    assert emitted.keys() == truth.keys()
    dropdown = next(r for r in truth.values() if r["type"] == "custom_dropdown")
    assert emitted[dropdown["id"]]["sections"] == dropdown["sections"]
    assert emitted[dropdown["id"]]["choices"] == dropdown["choices"]  # from the public list
    nested = next(r for r in truth.values() if r["type"] == "nested_field")
    assert ids(emitted[nested["id"]]["dependent_fields"]) == ids(nested["dependent_fields"])
    assert all("is_fsm" in r for r in emitted.values())


def test_second_sync_reads_only_the_definitions_changed_since(sandbox) -> None:
    streams = ["contact_fields", "company_fields", "ticket_forms", "automation_rules"]
    first = sync(sandbox, streams)
    assert first.returncode == 0
    changed = {
        stream: sandbox.update_record(stream, sandbox.records(stream)[0]["id"], label="Renamed")
        for stream in streams
    }

    second = sync(sandbox, streams, state=first.final_states())

    assert second.returncode == 0 and not second.errors()
    for stream, record in changed.items():
        emitted = ids(second.records(stream))
        assert record["id"] in emitted, stream
        # Only the changed record and any sharing the saved cursor's second come back.
        assert len(emitted) < len(ids(first.records(stream))), stream


def test_an_agent_key_skips_admin_only_streams_with_the_reason_and_reads_the_rest(
    sandbox,
) -> None:
    output = sync(sandbox, ADMIN_STREAMS, api_key=sandbox.agent_api_key)

    assert output.returncode == 0 and not output.errors()
    summaries = output.summaries()
    for stream in ("account", "automation_rules", "ticket_forms"):
        assert output.records(stream) == []
        assert "access_denied" in summaries[stream]["skipped"], stream
    # Field lists are open to agents who may create tickets, contacts or companies.
    for stream in ("contact_fields", "company_fields", "ticket_fields"):
        assert summaries[stream]["skipped"] == "-"
        assert sorted(ids(output.records(stream))) == sorted(ids(sandbox.records(stream)))
    # The agent key gets the public ticket fields list, without the admin view's keys.
    assert not any("is_fsm" in r or "sections" in r for r in output.records("ticket_fields"))
