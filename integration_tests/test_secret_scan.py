"""A secret scan over everything both sources print, against their sandboxes.

A few checks and syncs of each source, succeeding and failing, with --debug (the CDK then logs
every outbound request, headers included) and with injected faults (retries log their responses):
the API key, the client secret, the HTTP Basic header values built from them, every bearer token
the Talkdesk token host issued and the signatures of signed storage URLs must appear nowhere in
stdout or stderr, whether in records, logs, traces or stack traces.
"""

from __future__ import annotations

import base64
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.connector_runner import start_connector
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.talkdesk_explore.sync_helpers import catalog as talkdesk_catalog
from integration_tests.talkdesk_explore.sync_helpers import days_ago, iso
from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings
from integration_tests.talkdesk_sandbox.auth import TokenIssuer

WRONG_FRESHDESK_KEY = "wrong-freshdesk-key-0123456789"
# A Bearer header whose token is more than a placeholder.
BEARER_RE = re.compile(r"Bearer\s+[A-Za-z0-9._~+/=-]{8,}")
SIGNATURE_RE = re.compile(r"(?i)signature=(?!\*{4})[^&\s\"']")


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def run(script: str, command: str, config: Mapping[str, Any], catalog: Any = None) -> str:
    """stdout and stderr of one --debug run, as one text to scan."""
    with tempfile.TemporaryDirectory(prefix="secret-scan-") as workdir:
        paths = {}
        for name, content in (("config", config), ("catalog", catalog)):
            if content is not None:
                paths[name] = Path(workdir) / f"{name}.json"
                paths[name].write_text(json.dumps(content))
        args = [command, "--config", str(paths["config"]), "--debug"]
        if catalog is not None:
            args += ["--catalog", str(paths["catalog"])]
        process = start_connector(script, args, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        stdout, stderr = process.communicate(timeout=180)
    return stdout + (stderr or "")


def freshdesk_catalog(streams: Sequence[str]) -> dict[str, Any]:
    return {
        "streams": [
            {
                "stream": {
                    "name": name,
                    "json_schema": {},
                    "supported_sync_modes": ["full_refresh", "incremental"],
                },
                "sync_mode": "full_refresh",
                "destination_sync_mode": "append",
            }
            for name in streams
        ]
    }


def assert_no_secret(printed: str, secrets: Sequence[str]) -> None:
    assert printed, "the run printed nothing: the scan would prove nothing"
    for secret in secrets:
        assert secret not in printed, f"a secret ({secret[:3]}...) was printed"
    assert not BEARER_RE.search(printed)
    # Signed storage URLs are credentials too; a blanked one ("signature=****") is fine.
    assert not SIGNATURE_RE.search(printed)


@pytest.fixture
def issued_tokens(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every bearer token the Talkdesk sandbox's token host issues during the test."""
    tokens: list[str] = []
    original = TokenIssuer.issue

    def recording(self: TokenIssuer, requested_scope: str | None) -> Any:
        token, issued = original(self, requested_scope)
        tokens.append(token)
        return token, issued

    monkeypatch.setattr(TokenIssuer, "issue", recording)
    yield tokens


def test_freshdesk_prints_no_key_nor_basic_header_in_checks_and_syncs_that_fail() -> None:
    settings = SandboxSettings(ticket_count=30, contact_count=20)
    with FreshdeskSandbox(settings) as sandbox:
        good = {"domain": sandbox.base_url, "api_key": sandbox.api_key}
        wrong = {**good, "api_key": WRONG_FRESHDESK_KEY}
        streams = freshdesk_catalog(["groups", "tickets", "contacts"])
        printed = [run("source-freshdesk", "check", wrong)]
        # Retries log the failed responses; the malformed page is retried, too.
        sandbox.inject_errors(path_prefix="/api/v2/tickets", statuses=[502, 500], html_body=True)
        sandbox.inject_malformed_json("/api/v2/contacts", count=1)
        printed.append(run("source-freshdesk", "read", good, streams))
        printed.append(run("source-freshdesk", "read", wrong, streams))
    assert any('"RECORD"' in text for text in printed)  # the good read did read
    assert "`api_key`" in printed[0]  # the failing check did fail
    secrets = [
        sandbox.api_key,
        WRONG_FRESHDESK_KEY,
        basic(sandbox.api_key, "X"),
        basic(WRONG_FRESHDESK_KEY, "X"),
    ]
    for text in printed:
        assert_no_secret(text, secrets)


def test_talkdesk_prints_no_secret_nor_token_in_checks_and_syncs_that_fail(
    issued_tokens: list[str],
) -> None:
    settings = TalkdeskSandboxSettings(job_duration_s=0.2, token_lifetime_s=2.0)
    with TalkdeskSandbox(settings) as sandbox:
        good = sandbox.config(start_date=iso(days_ago(sandbox, 2)), window_in_days=7)
        del good["api_key"]  # the 0.1.0 form of the same credentials; one form is enough here
        wrong = {**good, "client_secret": sandbox.client_secret + "-wrong"}
        printed = [run("source-talkdesk-explore", "check", wrong)]
        # A 429, a gateway error and an interrupted download, then the token expires mid-sync.
        sandbox.fail_next_requests("create", 429, retry_after=1)
        sandbox.fail_next_requests("poll", 502)
        sandbox.fail_next_requests("storage", "truncate")
        printed.append(run("source-talkdesk-explore", "read", good, talkdesk_catalog(["calls"])))
        sandbox.expire_tokens_now()
        sandbox.advance_clock(timedelta(minutes=1).total_seconds())
        printed.append(run("source-talkdesk-explore", "read", wrong, talkdesk_catalog(["calls"])))
    assert issued_tokens, "no token was issued: the scan would not cover bearer tokens"
    assert '"FAILED"' in printed[0] and '"RECORD"' in printed[1]
    secrets = [
        sandbox.client_secret,
        wrong["client_secret"],
        basic(sandbox.client_id, sandbox.client_secret),
        basic(sandbox.client_id, wrong["client_secret"]),
        *issued_tokens,
    ]
    for text in printed:
        assert_no_secret(text, secrets)
