"""A killed sync resumes from its last state without losing records; check says what is wrong."""

from __future__ import annotations

import json
import signal
import tempfile
from pathlib import Path
from typing import Any

from integration_tests.connector_runner import discover_catalog, run_source, start_connector
from integration_tests.freshdesk.conftest import SCRIPT, config_for, ids, sync

RESUMABLE = ["tickets", "conversations", "contacts"]


def read_until_killed(config: dict, catalog: dict, kill_after_states: int) -> list[dict[str, Any]]:
    """Run a read and SIGKILL it once enough state messages came out; return what it printed."""
    with tempfile.TemporaryDirectory() as workdir:
        paths = {name: Path(workdir) / f"{name}.json" for name in ("config", "catalog")}
        paths["config"].write_text(json.dumps(config))
        paths["catalog"].write_text(json.dumps(catalog))
        process = start_connector(
            SCRIPT,
            ["read", "--config", str(paths["config"]), "--catalog", str(paths["catalog"])],
            capture_stderr=False,
        )
        messages, states = [], 0
        assert process.stdout is not None
        for line in process.stdout:
            message = json.loads(line)
            messages.append(message)
            states += message["type"] == "STATE"
            if states >= kill_after_states:
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=30)
    return messages


def test_a_sync_killed_midway_resumes_from_its_last_state_and_loses_nothing(sandbox_with) -> None:
    sandbox = sandbox_with(ticket_count=600)
    sandbox.inject_latency(seconds=0.01, path_prefix="/api/v2/tickets/")  # conversations are slow
    config = config_for(sandbox)
    catalog = discover_catalog(SCRIPT, config, RESUMABLE)

    killed = read_until_killed(config, catalog, kill_after_states=6)
    latest: dict[str, dict] = {}
    for message in killed:
        if message["type"] == "STATE":
            latest[message["state"]["stream"]["stream_descriptor"]["name"]] = message["state"]
    assert latest, "the sync was killed before its first checkpoint"
    resumed = run_source(SCRIPT, "read", config, catalog, list(latest.values()))
    assert resumed.returncode == 0

    for stream in RESUMABLE:
        before = [
            m["record"]["data"]
            for m in killed
            if m["type"] == "RECORD" and m["record"]["stream"] == stream
        ]
        union = set(ids(before)) | set(ids(resumed.records(stream)))
        assert union == set(ids(sandbox.records(stream))), stream


def test_check_passes_with_a_non_admin_key(sandbox_with) -> None:
    sandbox = sandbox_with(ticket_count=20)
    output = run_source(SCRIPT, "check", config_for(sandbox, api_key=sandbox.agent_api_key))
    (status,) = output.of_type("CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "SUCCEEDED"


def check_message(config: dict) -> str:
    output = run_source(SCRIPT, "check", config)
    assert output.returncode == 0, output.stderr
    assert "Traceback" not in output.stdout_text + output.stderr
    (status,) = output.of_type("CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "FAILED"
    return status["connectionStatus"]["message"]


def test_check_failures_each_get_an_actionable_message(sandbox_with) -> None:
    sandbox = sandbox_with(ticket_count=20)
    wrong_key = "wrong-key-0123456789"
    message = check_message(config_for(sandbox, api_key=wrong_key))
    assert "`api_key`" in message and wrong_key not in message

    unknown_host = sandbox.base_url.replace("127.0.0.1", "localhost")
    assert "does not exist" in check_message(config_for(sandbox, domain=unknown_host))

    assert "unencrypted" in check_message(config_for(sandbox, domain="http://acme.freshdesk.com"))

    sandbox.suspend_account(True)
    assert "suspended" in check_message(config_for(sandbox))
    sandbox.suspend_account(False)

    closed_port = config_for(sandbox)
    sandbox.stop()
    assert "refused" in check_message(closed_port)


def test_read_with_a_wrong_key_fails_with_a_config_error_trace(sandbox_with) -> None:
    sandbox = sandbox_with(ticket_count=20)
    output = sync(sandbox, ["groups"], api_key="wrong-key-0123456789")
    assert output.returncode == 1
    assert {e["failure_type"] for e in output.errors()} == {"config_error"}
