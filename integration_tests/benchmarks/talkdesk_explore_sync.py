"""Benchmark: a 5-stream x 60-day Talkdesk Explore sync against the sandbox, via the console script.

    .venv/bin/python -m integration_tests.benchmarks.talkdesk_explore_sync [--days 60]
        [--job-seconds 1.5] [--window-days 7] [--max-concurrent-jobs 5] [--sequential-baseline]

Prints the sync's wall time next to the sum of its report jobs' durations: without concurrency the
wall time could not be lower than that sum.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from integration_tests.connector_runner import SyncOutput, console_script, run_source
from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings
from source_talkdesk_explore.streams import (
    Calls,
    Contacts,
    RingAttempts,
    StudioFlowExecution,
    UserStatus,
)

# The five reports 0.1.0 read: the figures stay comparable across versions.
STREAMS = [
    stream.report_type
    for stream in (Calls, UserStatus, StudioFlowExecution, Contacts, RingAttempts)
]


def catalog() -> dict:
    return {
        "streams": [
            {
                "stream": {
                    "name": name,
                    "json_schema": {},
                    "supported_sync_modes": ["full_refresh", "incremental"],
                },
                "sync_mode": "incremental",
                "destination_sync_mode": "append",
            }
            for name in STREAMS
        ]
    }


def run_once(args: argparse.Namespace, max_concurrent_jobs: int) -> dict:
    settings = TalkdeskSandboxSettings(job_duration_s=args.job_seconds)
    with TalkdeskSandbox(settings) as sandbox:
        start = (sandbox.now - timedelta(days=args.days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        config = sandbox.config(
            start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            window_in_days=args.window_days,
            max_concurrent_jobs=max_concurrent_jobs,
        )
        # The console script's path: timed as the platform starts it, imports included, not
        # forked from the tests' prewarmed launcher.
        script = console_script("source-talkdesk-explore")
        output: SyncOutput = run_source(script, "read", config, catalog())
        stats = sandbox.stats()
    if output.returncode != 0:
        errors = [error.get("message") for error in output.errors()]
        raise SystemExit(f"sync failed (exit {output.returncode}): {errors}")
    records = len(output.of_type("RECORD"))
    return {
        "max_concurrent_jobs_setting": max_concurrent_jobs,
        "wall_s": output.seconds,
        "job_durations_sum_s": sum(stats["job_durations_s"]),
        "jobs_created": sum(stats["jobs_created_by_type"].values()),
        "max_concurrent_jobs_seen": stats["max_concurrent_jobs"],
        "records": records,
        "records_per_s": records / output.seconds if output.seconds else 0.0,
        "requests": stats["requests_by_kind"],
    }


def report(result: dict) -> None:
    wall, jobs_sum = result["wall_s"], result["job_durations_sum_s"]
    print(f"max_concurrent_jobs setting : {result['max_concurrent_jobs_setting']}")
    print(f"wall time                   : {wall:.2f} s (console script, incl. ~1.5 s start-up)")
    print(f"sum of job durations        : {jobs_sum:.2f} s")
    print(f"wall / job-duration sum     : {wall / jobs_sum:.2f}" if jobs_sum else "")
    print(f"jobs created                : {result['jobs_created']}")
    print(f"max concurrent jobs (server): {result['max_concurrent_jobs_seen']}")
    print(f"records                     : {result['records']}")
    print(f"records/s                   : {result['records_per_s']:.0f}")
    print(f"requests by kind            : {result['requests']}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--job-seconds", type=float, default=1.5)
    parser.add_argument("--window-days", type=int, default=7)
    parser.add_argument("--max-concurrent-jobs", type=int, default=5)
    parser.add_argument(
        "--sequential-baseline",
        action="store_true",
        help="also run with max_concurrent_jobs=1 for comparison",
    )
    args = parser.parse_args(argv)
    print(
        f"Talkdesk Explore sync: {len(STREAMS)} streams x {args.days} days, "
        f"{args.window_days}-day windows, sandbox jobs take {args.job_seconds} s"
    )
    report(run_once(args, args.max_concurrent_jobs))
    if args.sequential_baseline:
        print()
        report(run_once(args, 1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
