"""The prewarmed launcher behaves like starting the console script: the same messages and exit
codes, the caller's working directory, and a SIGKILL that ends the connector alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from integration_tests.connector_runner import console_script
from integration_tests.prewarmed_launcher import LaunchedProcess
from integration_tests.talkdesk_explore.sync_helpers import catalog, days_ago, iso
from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

SCRIPT = "source-talkdesk-explore"


def exec_run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(SCRIPT), *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def launched_run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    process = LaunchedProcess(SCRIPT, args, env)
    stdout, stderr = process.communicate(timeout=60)
    return process.wait(), stdout, stderr


def messages(stdout: str) -> list[dict]:
    """The Airbyte messages printed, without their emission times."""
    parsed = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    for message in parsed:
        message.get("trace", {}).pop("emitted_at", None)
    return parsed


def test_spec_prints_the_same_message_as_the_console_script(tmp_path: Path) -> None:
    expected = exec_run(["spec"], tmp_path)
    code, stdout, _ = launched_run(["spec"], dict(os.environ))
    assert code == expected.returncode == 0
    assert messages(stdout) == messages(expected.stdout)


def test_a_missing_config_file_exits_as_the_console_script_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relative path, so the child must resolve it in the caller's working directory.
    (tmp_path / "config.json").write_text("not json")
    monkeypatch.chdir(tmp_path)
    expected = exec_run(["check", "--config", "config.json"], tmp_path)
    code, stdout, stderr = launched_run(["check", "--config", "config.json"], dict(os.environ))
    assert code == expected.returncode != 0
    assert messages(stdout) == messages(expected.stdout)
    assert "Traceback" not in stderr


@contextmanager
def running_read(tmp_path: Path) -> Iterator[LaunchedProcess]:
    """A read of calls whose report job takes a minute, already writing output."""
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=60.0)) as sandbox:
        config = tmp_path / "config.json"
        config.write_text(json.dumps(sandbox.config(start_date=iso(days_ago(sandbox, 2)))))
        catalog_path = tmp_path / "catalog.json"
        catalog_path.write_text(json.dumps(catalog(["calls"])))
        args = ["read", "--config", str(config), "--catalog", str(catalog_path)]
        process = LaunchedProcess(SCRIPT, args, {**os.environ, "PYTHONUNBUFFERED": "1"})
        assert process.stdout.readline()
        yield process


def test_sigkill_ends_the_connector_with_minus_nine_and_the_launcher_serves_on(
    tmp_path: Path,
) -> None:
    with running_read(tmp_path) as process:
        process.kill()
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
    code, stdout, _ = launched_run(["spec"], dict(os.environ))
    assert code == 0 and '"SPEC"' in stdout


def test_a_wait_that_timed_out_can_be_waited_again(tmp_path: Path) -> None:
    with running_read(tmp_path) as process:
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=0.2)
        process.kill()
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
