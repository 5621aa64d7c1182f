"""Broken inputs, as a new user would hand them to either source, each answered clearly.

Every case runs the source in-process through the CDK's public AirbyteEntrypoint, the way the
console script does, from files written exactly as given (so files that are not JSON can be
tested). A broken file or config value ends in a config_error (or a FAILED check) whose message
names the key or the file; nothing else is emitted (no record, no state), nothing is written to
stderr and no secret is echoed. A saved cursor that cannot be used starts the stream from
start_date with a WARN that names the stream and the value. A few cases also run through the
console scripts, to pin what the real process prints.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources import Source
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_freshdesk import SourceFreshdesk
from source_talkdesk_explore import SourceTalkdeskExplore
from unit_tests.talkdesk_explore.factories import CLIENT_SECRET
from unit_tests.talkdesk_explore.factories import raw_config as talkdesk_config
from unit_tests.talkdesk_explore.test_read import FakeExplore

FD_KEY = "fd-secret-api-key-0123456789"
FD_BASE = "https://acme.freshdesk.com/api/v2/"
FD_START = "2024-01-01T00:00:00Z"
TD_START = "2026-06-01T00:00:00Z"


def freshdesk_config(**overrides: Any) -> dict[str, Any]:
    config = {"domain": "acme.freshdesk.com", "api_key": FD_KEY, "start_date": FD_START}
    config.update(overrides)
    return {key: value for key, value in config.items() if value is not None}


def td_config(**overrides: Any) -> dict[str, Any]:
    return talkdesk_config(**{"start_date": TD_START, **overrides})


def configured(name: str, sync_mode: str = "incremental") -> dict[str, Any]:
    return {
        "stream": {
            "name": name,
            "json_schema": {"type": "object"},
            "supported_sync_modes": ["full_refresh", "incremental"],
        },
        "sync_mode": sync_mode,
        "destination_sync_mode": "append",
    }


def catalog_of(*names: str) -> dict[str, Any]:
    return {"streams": [configured(name) for name in names]}


def stream_state(name: str, state: Any) -> list[dict[str, Any]]:
    return [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": state}}
    ]


@dataclass
class Run:
    messages: list[dict[str, Any]]
    logs: list[tuple[str, str]]
    error: BaseException | None
    stderr: str
    requests: list[Any] = field(default_factory=list)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    def warnings(self) -> list[str]:
        return [message for level, message in self.logs if level == "WARNING"]

    def printed(self) -> str:
        return json.dumps(self.messages) + json.dumps(self.logs) + self.stderr + repr(self.error)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname, record.getMessage()))


def _file(tmp: Path, name: str, content: Any) -> str:
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def run(
    source: Source,
    tmp: Path,
    command: str,
    config: Any,
    catalog: Any = None,
    state: Any = None,
    mock: Callable[[requests_mock.Mocker], None] | None = None,
    catalog_path: str | None = None,
) -> Run:
    """One command through the CDK's entrypoint; raw strings and bytes are written as they are."""
    args = [command, "--config", _file(tmp, "config.json", config)]
    if catalog_path is not None:
        args += ["--catalog", catalog_path]
    elif catalog is not None:
        args += ["--catalog", _file(tmp, "catalog.json", catalog)]
    if state is not None:
        args += ["--state", _file(tmp, "state.json", state)]
    collect = _Collect()
    airbyte = logging.getLogger("airbyte")
    airbyte.addHandler(collect)
    stderr, messages, error = io.StringIO(), [], None
    # Unmatched requests fail: no case may reach a network.
    with requests_mock.Mocker() as http, contextlib.redirect_stderr(stderr):
        if mock is not None:
            mock(http)
        try:
            entrypoint = AirbyteEntrypoint(source)
            for line in entrypoint.run(entrypoint.parse_args(args)):
                messages.append(json.loads(line))
        except Exception as caught:  # what the console script would turn into a TRACE
            error = caught
        finally:
            airbyte.removeHandler(collect)
        history = list(http.request_history)
    return Run(messages, collect.records, error, stderr.getvalue(), history)


def assert_config_error(result: Run, *fragments: str) -> None:
    """The run ended in a config_error whose message holds every fragment, and said nothing else."""
    error = result.error
    if error is None:  # check reports a failure as a FAILED status instead of raising
        (status,) = [m["connectionStatus"] for m in result.of_type("CONNECTION_STATUS")]
        assert status["status"] == "FAILED"
        message = status["message"]
    else:
        assert isinstance(error, AirbyteTracedException), repr(error)
        assert error.failure_type == FailureType.config_error, error.message
        message = error.message or ""
    for fragment in fragments:
        assert fragment in message, message
    assert "Something went wrong" not in message
    assert not result.of_type("RECORD") and not result.of_type("STATE")
    assert result.stderr == ""
    assert FD_KEY not in result.printed() and CLIENT_SECRET not in result.printed()
    assert not result.requests  # decided before any request left


# -- files: missing, not JSON, wrong shape --------------------------------------------------------

FD_CATALOG = catalog_of("groups")
TD_CATALOG = catalog_of("calls")
NOT_JSON = '{"domain": "acme", '

FILE_CASES: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
    # (id, source, {config/catalog/state overrides}, fragments)
    ("fd-config-not-json", "fd", {"config": NOT_JSON}, ("config file is not JSON", "line 1")),
    ("td-config-not-json", "td", {"config": "{'single': 'quotes'}"}, ("config file is not JSON",)),
    (
        "fd-config-a-list",
        "fd",
        {"config": [freshdesk_config()]},
        ("config file must be a JSON object", "a list"),
    ),
    (
        "td-config-a-string",
        "td",
        {"config": '"client_id"'},
        ("config file must be a JSON object", "a string"),
    ),
    ("td-config-empty-file", "td", {"config": ""}, ("config file is empty",)),
    ("fd-config-not-utf8", "fd", {"config": b'{"domain": "\xff"}'}, ("config file is not UTF-8",)),
    ("fd-state-not-json", "fd", {"state": "[{"}, ("state file is not JSON",)),
    ("td-state-not-json", "td", {"state": "calls: 2026-01-01"}, ("state file is not JSON",)),
    (
        "fd-state-a-string",
        "fd",
        {"state": '"2024-01-01"'},
        ("state file must be a list", "a string"),
    ),
    ("td-state-a-number", "td", {"state": "17"}, ("state file must be a list", "a number")),
    ("fd-state-entry-a-list", "fd", {"state": [[1, 2]]}, ("state file entry 1 must be an object",)),
    (
        "td-state-unknown-type",
        "td",
        {"state": [{"type": "STATE", "data": {}}]},
        ("state file entry 1", "STREAM or GLOBAL"),
    ),
    (
        "fd-state-no-stream-name",
        "fd",
        {"state": [{"type": "STREAM", "stream": {"stream_state": {}}}]},
        ("state file entry 1", "stream name"),
    ),
    (
        "td-state-stream-state-a-list",
        "td",
        {"state": stream_state("calls", ["2026-01-01"])},
        ("stream 'calls' must be an object", "a list"),
    ),
    (
        "fd-state-legacy-value-a-string",
        "fd",
        {"state": {"tickets": "2024-05-01T00:00:00Z"}},
        ("legacy state of stream 'tickets' must be an object",),
    ),
    (
        "td-state-legacy-data-a-list",
        "td",
        {"state": [{"type": "LEGACY", "data": [1]}]},
        ("state file entry 1", "LEGACY", "`data`"),
    ),
    (
        "fd-state-global-without-streams",
        "fd",
        {"state": [{"type": "GLOBAL", "global": {}}]},
        ("state file entry 1", "stream_states"),
    ),
    ("fd-catalog-not-json", "fd", {"catalog": "streams: [groups]"}, ("catalog file is not JSON",)),
    (
        "td-catalog-a-list",
        "td",
        {"catalog": [configured("calls")]},
        ("catalog must be an object with streams", "a list"),
    ),
    (
        "fd-catalog-without-streams",
        "fd",
        {"catalog": {"stream": [configured("groups")]}},
        ("catalog must be an object with streams",),
    ),
    (
        "td-catalog-entry-without-name",
        "td",
        {"catalog": {"streams": [{"sync_mode": "incremental"}]}},
        ("catalog stream 1", "stream.name"),
    ),
    (
        "fd-catalog-bad-sync-mode",
        "fd",
        {"catalog": {"streams": [{**configured("groups"), "sync_mode": "sideways"}]}},
        ("catalog file is not a configured catalog", "sync_mode", "sideways"),
    ),
    (
        "td-catalog-stream-twice",
        "td",
        {"catalog": catalog_of("calls", "calls")},
        ("catalog names stream 'calls' twice",),
    ),
    (
        "fd-catalog-missing-file",
        "fd",
        {"catalog_path": "/nonexistent/catalog.json"},
        ("catalog file /nonexistent/catalog.json does not exist",),
    ),
]


@pytest.mark.parametrize(
    ("source", "inputs", "fragments"),
    [pytest.param(src, inputs, fragments, id=case) for case, src, inputs, fragments in FILE_CASES],
)
def test_a_broken_input_file_is_a_config_error_that_names_the_file(
    tmp_path: Path, source: str, inputs: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    freshdesk = source == "fd"
    result = run(
        SourceFreshdesk() if freshdesk else SourceTalkdeskExplore(),
        tmp_path,
        "read",
        inputs.get("config", freshdesk_config() if freshdesk else td_config()),
        catalog=inputs.get("catalog", FD_CATALOG if freshdesk else TD_CATALOG),
        state=inputs.get("state", []),
        catalog_path=inputs.get("catalog_path"),
    )
    assert_config_error(result, *fragments)


# -- configs: missing keys, wrong types, malformed hosts and URLs, bad dates and numbers ----------


def request_timeout_cases(
    source: str, make_config: Callable[..., dict[str, Any]]
) -> list[tuple[str, str, dict[str, Any], tuple[str, ...]]]:
    """`request_timeout_seconds` is one shared rule: the same bad values, the same messages."""
    bad_values: list[tuple[str, Any, tuple[str, ...]]] = [
        ("0", 0, ("`request_timeout_seconds` must be at least 1", "got 0")),
        ("negative", -5, ("`request_timeout_seconds` must be at least 1", "got -5")),
        ("a-word", "soon", ("`request_timeout_seconds` must be an integer",)),
        ("too-long", 10_000, ("`request_timeout_seconds` must be at most 600", "got 10000")),
    ]
    return [
        (
            f"{source}-request-timeout-{label}",
            source,
            make_config(request_timeout_seconds=value),
            needles,
        )
        for label, value, needles in bad_values
    ]


CONFIG_CASES: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
    # (id, source, config, fragments): Freshdesk
    ("fd-missing-domain", "fd", freshdesk_config(domain=None), ("`domain` is required",)),
    ("fd-missing-api-key", "fd", freshdesk_config(api_key=None), ("`api_key` is required",)),
    (
        "fd-api-key-a-number",
        "fd",
        freshdesk_config(api_key=987654321),
        ("`api_key` must be a string",),
    ),
    ("fd-domain-a-list", "fd", freshdesk_config(domain=["acme"]), ("`domain` must be a string",)),
    (
        "fd-num-workers-0",
        "fd",
        freshdesk_config(num_workers=0),
        ("`num_workers` must be at least 1", "got 0"),
    ),
    (
        "fd-num-workers-99",
        "fd",
        freshdesk_config(num_workers=99),
        ("`num_workers` must be at most 32", "got 99"),
    ),
    (
        "fd-num-workers-a-string",
        "fd",
        freshdesk_config(num_workers="8"),
        ("`num_workers` must be an integer",),
    ),
    (
        "fd-lookback-negative",
        "fd",
        freshdesk_config(lookback_window_in_days=-1),
        ("`lookback_window_in_days` must be at least 0",),
    ),
    (
        "fd-lookback-too-long",
        "fd",
        freshdesk_config(lookback_window_in_days=366),
        ("`lookback_window_in_days` must be at most 365",),
    ),
    (
        "fd-requests-per-minute-0",
        "fd",
        freshdesk_config(requests_per_minute=0),
        ("`requests_per_minute` must be at least 1",),
    ),
    (
        "fd-subscription-tier-unknown",
        "fd",
        freshdesk_config(subscription_tier="gold"),
        ("`subscription_tier` must be one of growth, pro, enterprise", 'got "gold"'),
    ),
    (
        "fd-start-date-a-word",
        "fd",
        freshdesk_config(start_date="yesterday"),
        ("`start_date` must look like YYYY-MM-DDTHH:MM:SSZ",),
    ),
    (
        "fd-start-date-impossible",
        "fd",
        freshdesk_config(start_date="2024-02-30T00:00:00Z"),
        ("`start_date`", "2024-02-30"),
    ),
    (
        "fd-domain-with-space",
        "fd",
        freshdesk_config(domain="acme freshdesk"),
        ("`domain`", "not a valid host name"),
    ),
    (
        "fd-domain-plain-http-remote",
        "fd",
        freshdesk_config(domain="http://acme.freshdesk.com"),
        ("`domain`", "plain http://"),
    ),
    (
        "fd-domain-ftp-scheme",
        "fd",
        freshdesk_config(domain="ftp://acme.freshdesk.com"),
        ("`domain`", "unsupported scheme"),
    ),
    (
        "fd-domain-with-path",
        "fd",
        freshdesk_config(domain="https://acme.freshdesk.com/a/tickets"),
        ("`domain`", "helpdesk address only"),
    ),
    (
        "fd-domain-bad-port",
        "fd",
        freshdesk_config(domain="https://acme.freshdesk.com:99999"),
        ("`domain`", "invalid port"),
    ),
    ("fd-domain-empty", "fd", freshdesk_config(domain="  "), ("`domain` is empty",)),
    *request_timeout_cases("fd", freshdesk_config),
    # Talkdesk
    ("td-missing-auth-url", "td", td_config(auth_url=None), ("`auth_url` is required",)),
    ("td-missing-start-date", "td", td_config(start_date=None), ("`start_date` is required",)),
    (
        "td-start-date-a-number",
        "td",
        td_config(start_date=20260101),
        ("`start_date` must be a string",),
    ),
    (
        "td-start-date-impossible",
        "td",
        td_config(start_date="2026-02-30T00:00:00"),
        ("start_date", "is not a datetime"),
    ),
    (
        "td-start-date-in-the-future",
        "td",
        td_config(start_date="2999-01-01T00:00:00Z"),
        ("start_date", "lies in the future"),
    ),
    (
        "td-no-credentials",
        "td",
        td_config(client_id=None, client_secret=None),
        ("credentials are missing", "client_id"),
    ),
    (
        "td-client-id-without-secret",
        "td",
        td_config(client_secret=None),
        ("credentials are missing", "client_secret"),
    ),
    (
        "td-legacy-api-key-without-colon",
        "td",
        td_config(client_id=None, client_secret=None, api_key="idsecret"),
        ("credentials are missing", "api_key"),
    ),
    (
        "td-client-secret-a-number",
        "td",
        td_config(client_secret=123456789),
        ("`client_secret` must be a string",),
    ),
    (
        "td-unknown-timezone",
        "td",
        td_config(timezone="Mars/Olympus_Mons"),
        ("timezone", "Mars/Olympus_Mons"),
    ),
    ("td-unknown-region", "td", td_config(region="mars"), ("`region` must be one of",)),
    (
        "td-window-0-days",
        "td",
        td_config(window_in_days=0),
        ("`window_in_days` must be at least 1",),
    ),
    (
        "td-window-99-days",
        "td",
        td_config(window_in_days=99),
        ("`window_in_days` must be at most 31",),
    ),
    (
        "td-max-concurrent-jobs-16",
        "td",
        td_config(max_concurrent_jobs=16),
        ("`max_concurrent_jobs` must be at most 15",),
    ),
    (
        "td-job-timeout-a-string",
        "td",
        td_config(job_timeout_minutes="60"),
        ("`job_timeout_minutes` must be an integer",),
    ),
    (
        "td-auth-url-plain-http-remote",
        "td",
        td_config(auth_url="http://acme.talkdeskid.com/oauth/token"),
        ("auth_url must use https://",),
    ),
    (
        "td-api-url-not-a-url",
        "td",
        td_config(api_url="api.talkdeskapp.com"),
        ("api_url must be an absolute https:// URL",),
    ),
    (
        "td-auth-url-not-a-url",
        "td",
        td_config(auth_url="acme.talkdeskid.com/oauth/token"),
        ("auth_url must be an absolute https:// URL",),
    ),
    *request_timeout_cases("td", td_config),
]


@pytest.mark.parametrize(
    ("source", "config", "fragments"),
    [
        pytest.param(src, config, fragments, id=case)
        for case, src, config, fragments in CONFIG_CASES
    ],
)
def test_a_broken_config_fails_check_with_a_message_that_names_the_key(
    tmp_path: Path, source: str, config: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    connector = SourceFreshdesk() if source == "fd" else SourceTalkdeskExplore()
    result = run(connector, tmp_path, "check", config)
    assert_config_error(result, *fragments)


@pytest.mark.parametrize(
    ("source", "key", "value"),
    [("fd", "api_key", 987654321), ("td", "client_secret", 123456789)],
)
def test_a_secret_of_the_wrong_type_is_named_but_never_quoted(
    tmp_path: Path, source: str, key: str, value: int
) -> None:
    config = freshdesk_config(**{key: value}) if source == "fd" else td_config(**{key: value})
    connector = SourceFreshdesk() if source == "fd" else SourceTalkdeskExplore()
    result = run(connector, tmp_path, "check", config)
    assert_config_error(result, f"`{key}`")
    assert str(value) not in result.printed()


# -- saved state: unusable cursors of each kind, nested views, legacy forms, unknown streams -------

SAVED = "2024-05-01T00:00:00Z"  # a usable Freshdesk cursor, after FD_START
EPOCH_SAVED = 1714521600  # SAVED as epoch seconds


def freshdesk_tickets(http: requests_mock.Mocker) -> None:
    http.get(
        re.compile(f"^{FD_BASE}tickets"), json=[], headers={"Content-Type": "application/json"}
    )
    # The tickets estimate's count.
    http.get(f"{FD_BASE}search/tickets", json={"results": [], "total": 0})


def tickets_since(result: Run) -> dict[str, str]:
    """The updated_since each tickets view asked for first (default, deleted, spam)."""
    since: dict[str, str] = {}
    for request in result.requests:
        parts = urlsplit(request.url)
        if not parts.path.endswith("/api/v2/tickets"):  # not the field definitions or the search
            continue
        query = parse_qs(parts.query)
        since.setdefault(query.get("filter", ["default"])[0], query["updated_since"][0])
    return since


UNUSABLE_FRESHDESK_CURSORS: list[tuple[str, Any, str]] = [
    # (id, tickets state, the value the WARN quotes)
    ("a-word", {"updated_at": "yesterday"}, "'yesterday'"),
    ("an-impossible-date", {"updated_at": "2024-02-30T00:00:00Z"}, "'2024-02-30T00:00:00Z'"),
    ("a-boolean", {"updated_at": True}, "True"),
    ("a-list", {"updated_at": ["2024-05-01"]}, "['2024-05-01']"),
    ("an-empty-string", {"updated_at": ""}, "''"),
    ("epoch-ms-beyond-any-year", {"updated_at": 1e20}, "1e+20"),
    ("an-epoch-string-beyond-any-year", {"updated_at": "9" * 30}, "'999"),
    ("in-the-future", {"updated_at": "2999-01-01T00:00:00Z"}, "lies in the future"),
]


@pytest.mark.parametrize(
    ("state", "quoted"),
    [pytest.param(state, quoted, id=case) for case, state, quoted in UNUSABLE_FRESHDESK_CURSORS],
)
def test_an_unusable_freshdesk_cursor_warns_and_starts_from_start_date(
    tmp_path: Path, state: dict[str, Any], quoted: str
) -> None:
    result = run(
        SourceFreshdesk(),
        tmp_path,
        "read",
        freshdesk_config(),
        catalog=catalog_of("tickets"),
        state=stream_state("tickets", state),
        mock=freshdesk_tickets,
    )
    assert result.error is None, result.error
    (warning,) = [w for w in result.warnings() if "saved state value" in w]
    assert "Stream 'tickets'" in warning and "'updated_at'" in warning and quoted in warning
    assert tickets_since(result)["default"] == FD_START
    assert result.stderr == ""


def test_an_unusable_cursor_of_a_nested_ticket_view_restarts_only_that_view(tmp_path: Path) -> None:
    state = {
        "updated_at": SAVED,
        "deleted": {"updated_at": "garbage"},
        "spam": {"updated_at": SAVED},
    }
    result = run(
        SourceFreshdesk(),
        tmp_path,
        "read",
        freshdesk_config(),
        catalog=catalog_of("tickets"),
        state=stream_state("tickets", state),
        mock=freshdesk_tickets,
    )
    (warning,) = [w for w in result.warnings() if "saved state value" in w]
    assert "Stream 'tickets'" in warning and "'deleted.updated_at'" in warning
    assert tickets_since(result) == {"default": SAVED, "deleted": FD_START, "spam": SAVED}


def test_a_nested_ticket_view_that_is_not_an_object_warns_and_restarts_that_view(
    tmp_path: Path,
) -> None:
    state = {"updated_at": SAVED, "deleted": SAVED}
    result = run(
        SourceFreshdesk(),
        tmp_path,
        "read",
        freshdesk_config(),
        catalog=catalog_of("tickets"),
        state=stream_state("tickets", state),
        mock=freshdesk_tickets,
    )
    (warning,) = [w for w in result.warnings() if "saved state value" in w]
    assert "'deleted'" in warning and "not an object" in warning
    assert tickets_since(result) == {"default": SAVED, "deleted": FD_START, "spam": FD_START}


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(stream_state("tickets", {"updated_at": EPOCH_SAVED}), id="epoch-seconds"),
        pytest.param(stream_state("tickets", {"updated_at": EPOCH_SAVED * 1000}), id="epoch-ms"),
        pytest.param(stream_state("tickets", {"updated_at": str(EPOCH_SAVED)}), id="epoch-string"),
        pytest.param({"tickets": {"updated_at": SAVED}}, id="legacy-bare"),
        pytest.param(
            [{"type": "LEGACY", "data": {"tickets": {"updated_at": SAVED}}}], id="legacy-wrapped"
        ),
        pytest.param(stream_state("tickets", {"updated_at": SAVED})[0], id="one-message-unwrapped"),
    ],
)
def test_freshdesk_continues_from_epoch_and_legacy_state_forms(tmp_path: Path, state: Any) -> None:
    result = run(
        SourceFreshdesk(),
        tmp_path,
        "read",
        freshdesk_config(),
        catalog=catalog_of("tickets"),
        state=state,
        mock=freshdesk_tickets,
    )
    assert result.error is None, result.error
    assert not result.warnings()
    assert tickets_since(result)["default"] == SAVED


def test_a_state_for_a_stream_freshdesk_does_not_have_is_logged_by_the_read(
    tmp_path: Path,
) -> None:
    result = run(
        SourceFreshdesk(),
        tmp_path,
        "read",
        freshdesk_config(),
        catalog=catalog_of("tickets"),
        state=stream_state("no_such_stream", {"updated_at": SAVED}),
        mock=freshdesk_tickets,
    )
    assert result.error is None, result.error
    (warning,) = [w for w in result.warnings() if "no_such_stream" in w]
    assert "stream 'no_such_stream'" in warning and "it is ignored" in warning


def test_a_state_file_keeps_the_state_of_a_stream_the_source_does_not_have(
    tmp_path: Path,
) -> None:
    # Kept as given: the CDK's state manager ignores it, and a later sync still carries it.
    path = _file(tmp_path, "state.json", stream_state("no_such_stream", {"updated_at": SAVED}))
    states = SourceFreshdesk().read_state(path)
    assert [s.stream.stream_descriptor.name for s in states] == ["no_such_stream"]


def test_a_state_for_a_stream_talkdesk_does_not_have_is_logged_by_the_read(
    tmp_path: Path,
) -> None:
    # Talkdesk's stream names include the configured custom reports, which only the read knows.
    result, _, _ = talkdesk_read(tmp_path, stream_state("no_such_stream", {"end_at": SAVED}))
    assert result.error is None, result.error
    assert any("stream 'no_such_stream'" in w and "it is ignored" in w for w in result.warnings())


def td_recent_config() -> dict[str, Any]:
    # Three days of history in one 7-day window: one report job per read.
    return td_config(start_date=_days_ago(3), window_in_days=7)


def _days_ago(days: int) -> str:
    moment = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def talkdesk_read(
    tmp_path: Path, state: Any, catalog: Any = None
) -> tuple[Run, list[str], dict[str, Any]]:
    """A read of calls against a fake Explore API; also the job windows' starts and the config."""
    explore: list[FakeExplore] = []

    def mock(http: requests_mock.Mocker) -> None:
        explore.append(FakeExplore(http, None))

    config = td_recent_config()
    result = run(
        SourceTalkdeskExplore(),
        tmp_path,
        "read",
        config,
        catalog=catalog or catalog_of("calls"),
        state=state,
        mock=mock,
    )
    starts = sorted(span["from"] for span in explore[0].timespans.values())
    return result, starts, config


@pytest.mark.parametrize(
    ("cursor", "quoted"),
    [
        pytest.param("last tuesday", "'last tuesday'", id="a-word"),
        pytest.param(1e20, "1e+20", id="epoch-beyond-any-year"),
        pytest.param("2999-01-01T00:00:00Z", "lies in the future", id="in-the-future"),
        pytest.param(True, "True", id="a-boolean"),
    ],
)
def test_an_unusable_talkdesk_cursor_warns_and_starts_from_start_date(
    tmp_path: Path, cursor: Any, quoted: str
) -> None:
    result, starts, config = talkdesk_read(tmp_path, stream_state("calls", {"end_at": cursor}))
    assert result.error is None, result.error
    (warning,) = [w for w in result.warnings() if "saved state value" in w]
    assert "Stream 'calls'" in warning and "'end_at'" in warning and quoted in warning
    assert starts == [config["start_date"]]


def test_talkdesk_continues_from_its_0_1_0_legacy_state(tmp_path: Path) -> None:
    saved = _days_ago(1)
    result, starts, _ = talkdesk_read(tmp_path, {"calls": {"end_at": saved}})
    assert result.error is None, result.error
    assert starts == [saved]


@pytest.mark.parametrize(("source",), [("fd",), ("td",)], ids=["freshdesk", "talkdesk"])
def test_a_catalog_stream_the_source_does_not_have_is_logged_and_skipped(
    tmp_path: Path, source: str
) -> None:
    if source == "fd":
        result = run(
            SourceFreshdesk(),
            tmp_path,
            "read",
            freshdesk_config(),
            catalog=catalog_of("no_such_stream", "tickets"),
            state=[],
            mock=freshdesk_tickets,
        )
    else:
        result, _, _ = talkdesk_read(tmp_path, [], catalog=catalog_of("no_such_stream", "calls"))
    assert result.error is None, result.error
    assert any("no_such_stream" in w and "does not have" in w for w in result.warnings())
    records = {m["record"]["stream"] for m in result.of_type("RECORD")}
    assert "no_such_stream" not in records


# -- the real process: what the console script prints and its exit code --------------------------


@pytest.mark.parametrize(
    ("script", "config", "catalog", "state", "fragment"),
    [
        pytest.param(
            "source-freshdesk",
            freshdesk_config(),
            FD_CATALOG,
            "[{",
            "state file is not JSON",
            id="freshdesk-state-not-json",
        ),
        pytest.param(
            "source-talkdesk-explore",
            td_config(),
            [configured("calls")],
            [],
            "catalog must be an object with streams",
            id="talkdesk-catalog-a-list",
        ),
    ],
)
def test_the_console_script_prints_one_config_error_trace_and_no_traceback(
    tmp_path: Path, script: str, config: Any, catalog: Any, state: Any, fragment: str
) -> None:
    executable = str(Path(sys.executable).parent / script)
    args = [executable, "read", "--config", _file(tmp_path, "config.json", config)]
    args += ["--catalog", _file(tmp_path, "catalog.json", catalog)]
    args += ["--state", _file(tmp_path, "state.json", state)]
    completed = subprocess.run(args, capture_output=True, text=True, timeout=120)
    messages = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    traces = [m["trace"]["error"] for m in messages if m["type"] == "TRACE"]
    assert completed.returncode == 1
    assert completed.stderr == ""
    assert "Traceback" not in completed.stdout
    assert [t["failure_type"] for t in traces] == ["config_error"]
    assert fragment in traces[0]["message"] and not traces[0].get("stack_trace")
    assert {m["type"] for m in messages} <= {"LOG", "TRACE"}
    assert not [m for m in messages if m["type"] == "LOG" and m["log"]["level"] == "FATAL"]
