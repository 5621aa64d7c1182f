"""ticket_attachments against the sandbox: conversation files from the conversation pages, the
tickets' own files through the ticket view (opt-in), incremental through the parent cursor, and
the files themselves transferred byte for byte under the staging directory, expired links
fetched again through their parent, and no signed URL in any log line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integration_tests.connector_runner import SyncOutput, discover_catalog, run_source
from integration_tests.freshdesk.conftest import SCRIPT, config_for, sync
from integration_tests.freshdesk_sandbox import FreshdeskSandbox
from integration_tests.freshdesk_sandbox.attachments import file_bytes, own_file_rows

STREAM = ["ticket_attachments"]
SMALL = {"ticket_count": 40, "contact_count": 20}
VIEW = "/api/v2/tickets/{id}"
CONVERSATIONS = "/api/v2/tickets/{id}/conversations"
FILES = "/_files/attachments"
FILES_ON = {"attachment_files": True, "attachments_from_ticket_view": True}


@pytest.fixture
def staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The platform's staging directory, read by the CDK when the connector process imports it:
    so each sync starts a fresh process instead of forking the prewarmed one."""
    directory = tmp_path / "staging"
    directory.mkdir()
    monkeypatch.setenv("AIRBYTE_STAGING_DIRECTORY", str(directory))
    monkeypatch.setenv("CONNECTOR_LAUNCH", "exec")
    return directory


def listed_tickets(sandbox: FreshdeskSandbox) -> list[Any]:
    """The tickets the stream walks: the default list's (not deleted, spam or archived)."""
    return [
        row
        for row in sandbox.store.data.tickets.values()
        if row.hidden_by is None and not row.archived
    ]


def own_rows(sandbox: FreshdeskSandbox) -> list[dict[str, Any]]:
    seed = sandbox.settings.seed
    return [r for row in listed_tickets(sandbox) for r in own_file_rows(row, seed)]


def keys(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((r["kind"], r["id"], r["ticket_id"], r.get("conversation_id")) for r in records)


def file_messages(output: SyncOutput) -> list[dict[str, Any]]:
    return [m["record"] for m in output.of_type("RECORD") if m["record"]["stream"] == STREAM[0]]


def assert_no_signed_url_logged(output: SyncOutput) -> None:
    logged = "\n".join(output.logs()) + output.stderr
    assert "X-Amz-Signature" not in logged and "/_files/attachments/" not in logged


def test_default_settings_read_the_conversations_files_from_their_pages_only(
    sandbox_with,
) -> None:
    sandbox = sandbox_with(**SMALL)

    output = sync(sandbox, STREAM)

    assert output.returncode == 0 and not output.errors()
    emitted = output.records("ticket_attachments")
    assert keys(emitted) == keys(sandbox.records("ticket_attachments"))
    assert emitted and all(r["kind"] == "attachment" and r["conversation_id"] for r in emitted)
    by_path = sandbox.stats()["by_path"]
    # One conversations page per listed ticket, no ticket view, no file downloaded.
    assert by_path[CONVERSATIONS] == len(listed_tickets(sandbox))
    assert VIEW not in by_path and FILES not in by_path
    assert not any("file_reference" in m for m in file_messages(output))
    assert all(r["attachment_url"].startswith(sandbox.store.file_base_url) for r in emitted)
    assert_no_signed_url_logged(output)


def test_ticket_view_setting_adds_each_tickets_own_files_and_cloud_files(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)

    output = sync(sandbox, STREAM, attachments_from_ticket_view=True)

    assert output.returncode == 0 and not output.errors()
    emitted = output.records("ticket_attachments")
    own = own_rows(sandbox)
    assert {r["kind"] for r in own} == {"attachment", "cloud_file"}
    assert keys(emitted) == keys(sandbox.records("ticket_attachments") + own)
    assert len(emitted) == len({(r["kind"], r["id"]) for r in emitted})
    # Exactly one ticket view (1 credit) per listed ticket.
    assert sandbox.stats()["by_path"][VIEW] == len(listed_tickets(sandbox))
    assert_no_signed_url_logged(output)


def test_files_land_byte_for_byte_under_the_staging_directory(sandbox_with, staging) -> None:
    sandbox = sandbox_with(**SMALL)
    catalog = discover_catalog(SCRIPT, config_for(sandbox, **FILES_ON), STREAM)
    assert catalog["streams"][0]["stream"]["is_file_based"] is True

    output = sync(sandbox, STREAM, **FILES_ON)

    assert output.returncode == 0 and not output.errors()
    messages = file_messages(output)
    attachments = [m for m in messages if m["data"]["kind"] == "attachment"]
    # (the CDK leaves null fields out of the record message)
    assert any(m["data"].get("conversation_id") is None for m in attachments)  # own files
    assert any(m["data"].get("conversation_id") for m in attachments)
    for message in attachments:
        data, reference = message["data"], message["file_reference"]
        path = Path(reference["staging_file_url"])
        assert path.is_relative_to(staging)
        assert path.relative_to(staging).as_posix() == reference["source_file_relative_path"]
        assert path.read_bytes() == file_bytes(data["id"], data["size"])
        assert reference["file_size_bytes"] == data["size"]
    # Cloud files are links into other services: listed, never downloaded.
    assert all("file_reference" not in m for m in messages if m["data"]["kind"] == "cloud_file")
    assert sandbox.stats()["by_path"][FILES] == len(attachments)
    assert not [p for p in staging.rglob("*") if p.name.endswith(".part")]
    assert_no_signed_url_logged(output)


def test_a_catalog_that_takes_no_files_gets_the_records_without_downloads(
    sandbox_with, staging
) -> None:
    sandbox = sandbox_with(**SMALL)
    config = config_for(sandbox, **FILES_ON)
    catalog = discover_catalog(SCRIPT, config, STREAM)
    catalog["streams"][0]["include_files"] = False

    output = run_source(SCRIPT, "read", config, catalog)

    assert output.returncode == 0 and not output.errors()
    messages = file_messages(output)
    assert keys([m["data"] for m in messages]) == keys(
        sandbox.records("ticket_attachments") + own_rows(sandbox)
    )
    assert all("file_reference" not in m for m in messages)
    assert FILES not in sandbox.stats()["by_path"] and not any(staging.iterdir())


def test_links_that_expired_before_their_download_are_fetched_again_through_the_parent(
    sandbox_with, staging
) -> None:
    sandbox = sandbox_with(**SMALL)
    # Every link served so far expires as soon as the first conversations page went out.
    sandbox.schedule_mutation(
        "expire_attachment_links", after_requests=1, path_prefix="/api/v2/tickets/"
    )

    output = sync(sandbox, STREAM, attachment_files=True, num_workers=1)

    assert output.returncode == 0 and not output.errors()
    attachments = file_messages(output)
    assert keys([m["data"] for m in attachments]) == keys(sandbox.records("ticket_attachments"))
    for message in attachments:
        data = message["data"]
        assert Path(message["file_reference"]["staging_file_url"]).read_bytes() == file_bytes(
            data["id"], data["size"]
        )
    by_path, statuses = sandbox.stats()["by_path"], sandbox.stats()["by_status"]
    # The refused link cost one 403 and one more page of its ticket's conversations.
    assert statuses.get(403, 0) >= 1
    assert by_path[CONVERSATIONS] == len(listed_tickets(sandbox)) + statuses[403]
    assert_no_signed_url_logged(output)


def test_a_file_refused_even_through_a_fresh_link_leaves_its_record_without_the_file(
    sandbox_with, staging
) -> None:
    # Every link is already past its lifetime when served.
    sandbox = sandbox_with(**SMALL, attachment_link_lifetime_s=-1)

    output = sync(sandbox, STREAM, attachment_files=True)

    assert output.returncode == 0 and not output.errors()
    messages = file_messages(output)
    assert keys([m["data"] for m in messages]) == keys(sandbox.records("ticket_attachments"))
    assert all("file_reference" not in m for m in messages)
    warnings = [line for line in output.logs("WARN") if "refused twice" in line]
    assert len(warnings) == len(messages)
    assert not list(staging.rglob("*.*"))
    assert_no_signed_url_logged(output)


def test_incremental_sync_reads_only_tickets_updated_since_through_the_parent_cursor(
    sandbox_with,
) -> None:
    sandbox = sandbox_with(**SMALL)
    first = sync(sandbox, STREAM, attachments_from_ticket_view=True)
    state = first.final_states()
    cursor = state[0]["stream"]["stream_state"]["ticket_updated_at"]
    changed = next(row for row in listed_tickets(sandbox) if list(own_file_rows(row, 42)))
    sandbox.update_ticket(changed.id, subject="a new subject")

    second = sync(sandbox, STREAM, state=state, attachments_from_ticket_view=True)

    assert second.returncode == 0 and not second.errors()
    expected = [
        r for r in sandbox.records("ticket_attachments") if r["ticket_id"] == changed.id
    ] + list(own_file_rows(changed, sandbox.settings.seed))
    assert keys(second.records("ticket_attachments")) == keys(expected)
    later = second.state_messages("ticket_attachments")[-1]["stream"]["stream_state"]
    assert later["ticket_updated_at"] > cursor
