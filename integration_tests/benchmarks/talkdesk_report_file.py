"""Benchmark: download and parse one month of Talkdesk calls (one report file) from the sandbox.

    .venv/bin/python -m integration_tests.benchmarks.talkdesk_report_file [--rows-per-day 3000]
        [--days 30] [--runs 3]

The sandbox runs in a child process, so this process does only the connector's side: ask
`files/{id}` for a signed URL, stream the file from the storage host and decode its entries
(`report_jobs.download_entries`). Prints, per run, the rows per second of that path and of the
bare transfer (the same bytes read without decoding, which bounds what any parser can reach),
with the CPU seconds this process spent on each, then the peak of Python allocations
(tracemalloc) while the whole file is read once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urljoin

from connector_common.signed_downloads import CHUNK_BYTES
from connector_common.stats import StreamStats
from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings
from source_talkdesk_explore.config import TalkdeskConfig
from source_talkdesk_explore.report_jobs import (
    FinishedJob,
    ReportJob,
    download_entries,
)
from source_talkdesk_explore.streams import Calls
from source_talkdesk_explore.sync_context import SyncContext
from source_talkdesk_explore.windows import Window


def serve(rows_per_day: int, days: int, pipe: Connection) -> None:
    """The child: a sandbox whose calls history is `days` long, until the parent says stop."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    history_start = (now - timedelta(days=days + 1)).replace(hour=0, minute=0, second=0)
    settings = TalkdeskSandboxSettings(
        now=now,
        history_start=history_start,
        job_duration_s=0.05,
        rows_per_day={"calls": rows_per_day},
        signed_url_ttl_s=3600,
    )
    with TalkdeskSandbox(settings) as sandbox:
        pipe.send((sandbox.config(start_date=history_start.strftime("%Y-%m-%dT%H:%M:%SZ")), now))
        pipe.recv()


def finished_job(stream: Calls, window: Window) -> FinishedJob:
    context = stream.context
    return ReportJob(
        stream,
        stream.report_type,
        window,
        stats=stream.stats,
        job_timeout_s=300,
        max_attempts=1,
        timing=context.timing,
        policy=context.policy,
    ).run()


def parsed_rows(stream: Calls, job: FinishedJob) -> int:
    stats = StreamStats("bench")
    return sum(1 for _ in download_entries(stream, job, stats, stream.context.timing))


def transferred_bytes(stream: Calls, job: FinishedJob) -> int:
    """The same requests as a download, the body read and dropped."""
    with stream.send("GET", job.files_url) as answer:
        signed_url = urljoin(job.files_url, answer.headers["Location"])
    with stream.download(signed_url) as response:
        return sum(len(chunk) for chunk in response.iter_content(CHUNK_BYTES))


def timed(action: Callable[[], Any]) -> tuple[Any, float, float]:
    """The result, wall seconds, and CPU seconds of this process (the machine may be shared: the
    CPU figure is the one other load does not inflate)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - started, time.process_time() - cpu_started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-per-day", type=int, default=3000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.Process(target=serve, args=(args.rows_per_day, args.days, theirs))
    child.start()
    try:
        raw_config, now = ours.recv()
        context = SyncContext(TalkdeskConfig.from_mapping(raw_config), now=now)
        stream = Calls(context)
        window = Window(now - timedelta(days=args.days), now - timedelta(minutes=10))
        job = finished_job(stream, window)
        size = transferred_bytes(stream, job)  # warms the sandbox's generated rows
        rows = parsed_rows(stream, job)
        print(f"file: {rows} rows, {size / 1e6:.1f} MB, {args.days} days of calls")
        for run in range(1, args.runs + 1):
            _, transfer_s, transfer_cpu_s = timed(lambda: transferred_bytes(stream, job))
            counted, parse_s, parse_cpu_s = timed(lambda: parsed_rows(stream, job))
            assert counted == rows
            print(
                f"run {run}: download+parse {parse_s:.2f} s = {rows / parse_s:,.0f} rows/s "
                f"(CPU {parse_cpu_s:.2f} s = {rows / parse_cpu_s:,.0f} rows per CPU s); "
                f"bare transfer {transfer_s:.2f} s (CPU {transfer_cpu_s:.2f} s)"
            )
        tracemalloc.start()
        parsed_rows(stream, job)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak Python allocations while reading the file: {peak / 1e6:.1f} MB")
        context.close()
    finally:
        ours.send("stop")
        child.join(30)


if __name__ == "__main__":
    main()
