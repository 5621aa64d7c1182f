"""Benchmark: a full sync of tickets, contacts and companies from a zero-latency, unlimited sandbox.

    .venv/bin/python -m integration_tests.benchmarks.freshdesk_throughput [--tickets 35000]
        [--contacts 60000] [--companies 2000] [--num-workers N] [--no-official]
        [--connector PATH_TO_CONSOLE_SCRIPT]

Prints records/s, CPU seconds and peak RSS of the connector process. Ours runs over plain http;
unless --no-official, ours and Airbyte's official source-freshdesk 3.1.3 then run over the same
https sandbox (see freshdesk_bench), and ours/official compares those two. Wall time includes the
connector's start-up (~2-3 s of imports), as the platform sees it. 35,000 tickets cross the
300-page cap of /tickets once, so both connectors' restart logic is part of the work.
"""

from __future__ import annotations

from integration_tests.benchmarks import freshdesk_bench as bench
from integration_tests.freshdesk_sandbox import SandboxSettings

STREAMS = ("tickets", "contacts", "companies")


def main(argv: list[str]) -> int:
    parser = bench.parser_for(__doc__)
    parser.add_argument("--tickets", type=int, default=35_000)
    parser.add_argument("--contacts", type=int, default=60_000)
    parser.add_argument("--companies", type=int, default=2_000)
    bench.add_common_arguments(parser)
    args = parser.parse_args(argv)
    settings = SandboxSettings(
        ticket_count=args.tickets, contact_count=args.contacts, company_count=args.companies
    )
    print(
        f"Freshdesk throughput: {', '.join(STREAMS)} ({args.tickets:,} tickets, "
        f"{args.contacts:,} contacts, {args.companies:,} companies), no latency, no rate limit"
    )
    results, skipped = bench.run_all(args, settings, STREAMS)

    print()
    bench.print_table(
        [
            "connector",
            "route",
            "records",
            "wall s",
            "records/s",
            "CPU s",
            "CPU us/rec",
            "peak RSS MiB",
            "requests",
            "peak conc.",
            "all records",
            "ok",
        ],
        [
            [
                r.connector,
                r.route,
                r.records,
                r.wall_s,
                r.records_per_s,
                r.cpu_s,
                r.cpu_s / r.records * 1e6 if r.records else None,
                r.peak_rss_mib,
                r.stats.get("requests"),
                r.peak_concurrency,
                r.complete,
                r.succeeded,
            ]
            for r in results
        ],
    )
    bench.report_problems(results, skipped)

    picked = bench.pick(results)
    line = "summary: ours did not run"
    if picked.ours_http:
        line = f"summary: ours {picked.ours_http.records_per_s:,.0f} records/s over http"
    if picked.pair:
        mine, theirs = picked.pair
        line += (
            f"; over https ours {mine.records_per_s:,.0f} vs official "
            f"{theirs.records_per_s:,.0f} records/s, ours/official "
            f"{bench.ratio(mine.records_per_s, theirs.records_per_s)}"
        )
    else:
        line += "; official: not measured"
    print(line)
    return 0 if all(r.succeeded for r in results) else 1


if __name__ == "__main__":
    bench.run_main(main)
