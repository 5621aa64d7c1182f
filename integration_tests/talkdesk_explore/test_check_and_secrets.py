"""`check` against the sandbox (each failure has its own message) and secrets never printed."""

from __future__ import annotations

import socket

import pytest

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

from .sync_helpers import check, days_ago, iso, read


def status_of(output) -> tuple[str, str]:
    (status,) = [m["connectionStatus"] for m in output.of_type("CONNECTION_STATUS")]
    return status["status"], status.get("message") or ""


def wrong_secret(sandbox: TalkdeskSandbox) -> dict:
    config = sandbox.config(client_secret=sandbox.client_secret + "-wrong")
    del config["api_key"]  # it would carry the right secret for the 0.1.0 path
    return config


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_check_succeeds_against_the_sandbox() -> None:
    with TalkdeskSandbox() as sandbox:
        output = check(sandbox.config())
        stats = sandbox.stats()
    assert status_of(output) == ("SUCCEEDED", "")
    assert sum(stats["jobs_created_by_type"].values()) == 0  # check takes no quota slot


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("bad_credentials", "rejected the client credentials"),
        ("missing_write_scope", "lacks the scope(s) data-reports:write"),
        ("missing_read_scope", "lacks the scope(s) data-reports:read"),
        ("wrong_region", "region"),
        ("unreachable_token_url", "Could not reach the Talkdesk token URL"),
        ("unreachable_api", "Could not reach the Talkdesk Explore API"),
    ],
)
def test_each_check_failure_has_an_actionable_message_and_no_traceback(
    case: str, expected: str
) -> None:
    with TalkdeskSandbox() as sandbox, TalkdeskSandbox() as other_region:
        config = sandbox.config()
        if case == "bad_credentials":
            config = wrong_secret(sandbox)
        elif case == "missing_write_scope":
            sandbox.set_granted_scopes(["data-reports:read"])
        elif case == "missing_read_scope":
            sandbox.set_granted_scopes(["data-reports:write"])
        elif case == "wrong_region":
            config = sandbox.config(api_url=other_region.api_url)  # its tokens are not valid there
        elif case == "unreachable_token_url":
            config = sandbox.config(auth_url=f"http://127.0.0.1:{closed_port()}/oauth/token")
        elif case == "unreachable_api":
            config = sandbox.config(api_url=f"http://127.0.0.1:{closed_port()}")
        output = check(config)
    status, message = status_of(output)
    assert status == "FAILED"
    assert expected in message
    assert output.returncode == 0
    assert [e["failure_type"] for e in output.errors()] == ["config_error"]
    assert "Traceback" not in output.stderr


def test_secrets_and_tokens_never_appear_in_any_output() -> None:
    settings = TalkdeskSandboxSettings(job_duration_s=0.2, token_lifetime_s=2.0)
    with TalkdeskSandbox(settings) as sandbox:
        config = sandbox.config(start_date=iso(days_ago(sandbox, 2)))
        outputs = [
            check(config),
            check(wrong_secret(sandbox)),
            read(config, ["calls"]),
        ]
        sandbox.expire_tokens_now()
        outputs.append(read(config, ["contacts"]))
    assert status_of(outputs[1])[0] == "FAILED" and "credentials" in status_of(outputs[1])[1]
    for output in outputs:
        printed = output.stdout_text + output.stderr
        assert sandbox.client_secret not in printed
        assert "Bearer " not in printed
        assert "signature=" not in printed  # signed storage URLs are credentials too
