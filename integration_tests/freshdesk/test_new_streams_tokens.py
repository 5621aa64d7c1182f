"""Token-paged streams against the sandbox: the newer CSAT surveys and responses, custom object
schemas and records; full and incremental, and on accounts or keys without access."""

from __future__ import annotations

from typing import Any

import pytest

from integration_tests.freshdesk.conftest import ids, sync
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.freshdesk_sandbox.clock import from_z as parse_z
from integration_tests.freshdesk_sandbox.clock import to_z

CSAT = ["csat_surveys", "csat_survey_responses"]
CUSTOM_OBJECTS = ["custom_object_schemas", "custom_object_records"]
SMALL = {"ticket_count": 30, "contact_count": 20}


def record_keys(records: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return sorted((r.get("schema_id"), r.get("display_id")) for r in records)


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with FreshdeskSandbox(SandboxSettings(**SMALL)) as running:
        yield running


@pytest.fixture(scope="module")
def full(sandbox: FreshdeskSandbox) -> Any:
    output = sync(sandbox, CSAT + CUSTOM_OBJECTS)
    assert output.returncode == 0 and not output.errors()
    return output


def test_csat_surveys_and_every_response_across_token_pages(full, sandbox) -> None:
    assert sorted(ids(full.records("csat_surveys"))) == sorted(ids(sandbox.records("csat_surveys")))
    responses = full.records("csat_survey_responses")
    assert sorted(ids(responses)) == sorted(ids(sandbox.records("csat_survey_responses")))
    truth = {r["id"]: r for r in sandbox.records("csat_survey_responses")}
    assert all(r["survey_id"] == truth[r["id"]]["survey_id"] for r in responses)


def test_a_survey_without_responses_is_read_as_empty_not_skipped(full) -> None:
    summary = full.summaries()["csat_survey_responses"]
    assert summary["skipped"] == "-" and summary["skipped_children"] == "0"


def test_custom_object_records_of_every_schema_with_their_schema_id(full, sandbox) -> None:
    assert sorted(ids(full.records("custom_object_schemas"))) == sorted(
        ids(sandbox.records("custom_object_schemas"))
    )
    emitted = full.records("custom_object_records")
    assert record_keys(emitted) == record_keys(sandbox.records("custom_object_records"))
    truth = {(r["schema_id"], r["display_id"]): r for r in sandbox.records("custom_object_records")}
    for record in emitted:
        assert record["data"] == truth[(record["schema_id"], record["display_id"])]["data"]
    assert full.summaries()["custom_object_records"]["skipped"] == "-"


@pytest.mark.parametrize(
    ("stream", "key"),
    [("custom_object_records", "display_id"), ("csat_survey_responses", "id")],
)
def test_token_pages_are_followed_past_the_first_page(sandbox_with, stream: str, key: str) -> None:
    # The streams ask for 100 a page; 250 more records of one parent take three more pages.
    sandbox = sandbox_with(**SMALL)
    template = sandbox.records(stream)[0]
    sandbox.store.data.lists[stream].extend(
        {**template, key: f"{template[key]}-copy-{n}"} for n in range(250)
    )

    output = sync(sandbox, [stream])

    assert output.returncode == 0 and not output.errors()
    got = sorted(r[key] for r in output.records(stream))
    assert got == sorted(r[key] for r in sandbox.records(stream))
    assert int(output.summaries()[stream]["pages"]) >= 5


def test_second_sync_reads_only_records_and_responses_changed_since(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)
    first = sync(sandbox, CSAT + CUSTOM_OBJECTS)
    assert first.returncode == 0 and not first.errors()
    state = {s["stream"]["stream_descriptor"]["name"]: s for s in first.final_states()}
    assert state["custom_object_records"]["stream"]["stream_state"]["updated_time"]
    now_ms = sandbox.clock.now() * 1000 + 999
    booking = sandbox.store.data.lists["custom_object_records"][3]
    booking["updated_time"] = now_ms
    response = sandbox.store.data.lists["csat_survey_responses"][5]
    response["updated_at"] = to_z(sandbox.clock.now())

    second = sync(sandbox, CSAT + CUSTOM_OBJECTS, state=first.final_states())

    assert second.returncode == 0 and not second.errors()
    # Besides the changed ones, only records in the saved cursor's second come again (inclusive).
    saved = parse_z(state["custom_object_records"]["stream"]["stream_state"]["updated_time"])
    boundary = [
        r for r in sandbox.records("custom_object_records") if r["updated_time"] // 1000 == saved
    ]
    assert record_keys(second.records("custom_object_records")) == record_keys([booking, *boundary])
    saved_at = state["csat_survey_responses"]["stream"]["stream_state"]["updated_at"]
    at_cursor = [
        r["id"] for r in sandbox.records("csat_survey_responses") if r["updated_at"] == saved_at
    ]
    assert sorted(ids(second.records("csat_survey_responses"))) == sorted(
        [response["id"], *at_cursor]
    )
    # Surveys have no updated_at: read in full every time.
    assert len(second.records("csat_surveys")) == len(sandbox.records("csat_surveys"))


def test_accounts_without_the_features_skip_the_streams_with_the_plan_reason(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL, disabled_features={"csat", "custom_objects"})

    output = sync(sandbox, CSAT + CUSTOM_OBJECTS)

    assert output.returncode == 0 and not output.errors()
    for stream in CSAT + CUSTOM_OBJECTS:
        assert output.records(stream) == [], stream
        assert "require_feature" in output.summaries()[stream]["skipped"], stream


def test_an_agent_key_skips_custom_objects_on_their_own_error_envelope(sandbox) -> None:
    output = sync(sandbox, CUSTOM_OBJECTS, api_key=sandbox.agent_api_key)

    assert output.returncode == 0 and not output.errors()
    for stream in CUSTOM_OBJECTS:
        assert output.records(stream) == []
        assert "PERMISSION_NOT_ALLOWED" in output.summaries()[stream]["skipped"], stream
