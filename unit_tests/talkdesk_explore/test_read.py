"""In-process reads with requests-mock: state moves only past windows that were fully emitted."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import requests_mock
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.models.outcome import ExpectedOutcome

from connector_common.datetimes import format_utc, utc_now
from source_talkdesk_explore import SourceTalkdeskExplore

from .factories import STORAGE_URL, TOKEN_URL, job_body, raw_config, report_body, token_body


class FakeExplore:
    """Numbers jobs in creation order; the job whose window starts at `failing_from` fails."""

    def __init__(self, mock: requests_mock.Mocker, failing_from: str | None) -> None:
        self.timespans: dict[str, dict] = {}
        self.failing_from = failing_from
        mock.post(TOKEN_URL, json=token_body())
        mock.post(re.compile(r"/data/reports/calls/jobs$"), json=self.create, status_code=202)
        mock.get(re.compile(r"/data/reports/calls/jobs/[^/]+$"), json=self.poll)
        mock.get(re.compile(r"/data/reports/calls/files/[^/]+$"), json=self.files)
        mock.get(re.compile(f"^{STORAGE_URL}/"), json=self.file)

    def create(self, request, context) -> dict:
        job_id = f"job-{len(self.timespans)}"
        self.timespans[job_id] = json.loads(request.text)["timespan"]
        return job_body(job_id)

    def poll(self, request, context) -> dict:
        job_id = request.path.rsplit("/", 1)[1]
        if self.timespans[job_id]["from"] == self.failing_from:
            return job_body(job_id, "failed")
        context.status_code = 303
        context.headers["Location"] = f"/data/reports/calls/files/{job_id}"
        return job_body(job_id, "done")

    def files(self, request, context) -> dict:
        job_id = request.path.rsplit("/", 1)[1]
        context.status_code = 302
        context.headers["Location"] = f"{STORAGE_URL}/{job_id}.json?signature=s"
        return job_body(job_id, "done")

    def file(self, request, context) -> dict:
        job_id = request.path.rsplit("/", 1)[1].removesuffix(".json")
        start = self.timespans[job_id]["from"]
        return report_body([{"call_id": f"{start}#{i}", "end_at": start} for i in range(3)])


def run_read(fail_second_window: bool) -> tuple[EntrypointOutput, str, str]:
    start = (utc_now() - timedelta(days=10)).replace(microsecond=0)
    first_end = format_utc(start + timedelta(days=7))
    config = raw_config(start_date=format_utc(start), window_in_days=7, max_job_attempts=1)
    catalog = CatalogBuilder().with_stream("calls", SyncMode.incremental).build()
    expected = (
        ExpectedOutcome.EXPECT_EXCEPTION if fail_second_window else ExpectedOutcome.EXPECT_SUCCESS
    )
    with requests_mock.Mocker() as mock:
        FakeExplore(mock, first_end if fail_second_window else None)
        output = read(SourceTalkdeskExplore(), config, catalog, expected_outcome=expected)
    return output, format_utc(start), first_end


def states(output: EntrypointOutput) -> list[dict]:
    return [m.state.stream.stream_state.__dict__ for m in output.state_messages]


def test_each_window_is_checkpointed_right_after_its_records() -> None:
    output, start, first_end = run_read(fail_second_window=False)
    sequence = [
        "S" if message.state else "R"
        for message in output.records_and_state_messages
        if message.record is None or message.record.stream == "calls"
    ]
    assert sequence == ["R", "R", "R", "S", "R", "R", "R", "S"]
    assert [r.record.data["call_id"] for r in output.records][:3] == [
        f"{start}#{i}" for i in range(3)
    ]
    assert states(output)[0] == {"end_at": first_end}


def test_the_summary_shows_only_figures_the_stream_counted() -> None:
    output, _, _ = run_read(fail_second_window=False)
    (line,) = [m.log.message for m in output.logs if "Sync summary: stream=calls" in m.log.message]
    figures = dict(pair.split("=", 1) for pair in line.split()[2:])
    # No child streams to skip; the rows are the records, shown once.
    assert "skipped_children" not in figures and "rows" not in figures
    assert (figures["records"], figures["jobs"], figures["windows"]) == ("6", "2", "2/2")
    # Two jobs on a pool of several workers: one or both ran at once, but some ran.
    assert figures["peak_concurrency"] in {"1", "2"}


def test_state_stays_at_the_last_complete_window_when_a_later_window_fails() -> None:
    output, start, first_end = run_read(fail_second_window=True)
    assert [r.record.data["call_id"] for r in output.records] == [f"{start}#{i}" for i in range(3)]
    assert states(output) == [{"end_at": first_end}]
    messages = [e.trace.error.message for e in output.errors]
    assert any("'calls'" in m and f"[{first_end}," in m for m in messages), messages
    summary = [line for line in output.logs if "Sync summary: stream=calls" in line.log.message]
    assert (
        len(summary) == 1
        and "records=3" in summary[0].log.message
        and "jobs=2" in summary[0].log.message
    )


def test_a_stream_with_nothing_new_to_read_creates_no_job_and_says_why() -> None:
    config = raw_config(start_date=format_utc(utc_now() + timedelta(days=1)))
    catalog = CatalogBuilder().with_stream("calls", SyncMode.incremental).build()
    with requests_mock.Mocker() as mock:
        FakeExplore(mock, None)
        output = read(SourceTalkdeskExplore(), config, catalog)
        assert not [r for r in mock.request_history if "/jobs" in r.path]
    assert output.records == [] and not output.errors
    summary = [m.log.message for m in output.logs if "Sync summary: stream=calls" in m.log.message]
    assert summary and summary[0].endswith(
        "jobs=0 peak_concurrency=0 windows=0/0 skipped=up_to_date"
    )


class TypedAsText(FakeExplore):
    """A report that sends a number column as text and an id as a number."""

    def file(self, request, context) -> dict:
        start = self.timespans[request.path.rsplit("/", 1)[1].removesuffix(".json")]["from"]
        return report_body([{"call_id": 7, "end_at": start, "talk_time": "42"}])


def test_rows_reach_the_destination_typed_as_their_schema_says() -> None:
    start = (utc_now() - timedelta(days=3)).replace(microsecond=0)
    config = raw_config(start_date=format_utc(start), window_in_days=7)
    catalog = CatalogBuilder().with_stream("calls", SyncMode.incremental).build()
    with requests_mock.Mocker() as mock:
        TypedAsText(mock, None)
        output = read(SourceTalkdeskExplore(), config, catalog)
    (record,) = [r.record.data for r in output.records]
    assert record == {"call_id": "7", "end_at": format_utc(start), "talk_time": 42.0}
