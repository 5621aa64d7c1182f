"""Benchmark: the conversations of 2,000 tickets with 30 ms of latency on every request.

    .venv/bin/python -m integration_tests.benchmarks.freshdesk_conversations [--tickets 2000]
        [--latency-ms 30] [--num-workers N] [--no-official] [--connector PATH_TO_CONSOLE_SCRIPT]

One request per ticket (plus the tickets list) makes this latency-bound: a sequential connector
needs at least requests x latency. Prints each connector's wall time; ours runs over http, and
unless --no-official ours and Airbyte's official 3.1.3 also run over the same https sandbox, whose
wall times give the speed-up official/ours.
"""

from __future__ import annotations

from integration_tests.benchmarks import freshdesk_bench as bench
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

STREAMS = ("conversations",)


def main(argv: list[str]) -> int:
    parser = bench.parser_for(__doc__)
    parser.add_argument("--tickets", type=int, default=2_000)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    bench.add_common_arguments(parser)
    args = parser.parse_args(argv)
    latency = args.latency_ms / 1000

    def prepare(sandbox: FreshdeskSandbox) -> None:
        sandbox.inject_latency(latency, path_prefix="")  # every request, as a distant API would

    print(
        f"Freshdesk conversations: {args.tickets:,} tickets, {args.latency_ms:.0f} ms per request"
    )
    results, skipped = bench.run_all(
        args, SandboxSettings(ticket_count=args.tickets), STREAMS, prepare
    )

    print()
    bench.print_table(
        [
            "connector",
            "route",
            "conversations",
            "wall s",
            "requests",
            "requests x latency s",
            "requests/s",
            "CPU s",
            "peak RSS MiB",
            "peak conc.",
            "ok",
        ],
        [
            [
                r.connector,
                r.route,
                r.record_counts["conversations"],
                r.wall_s,
                r.stats.get("requests"),
                r.stats.get("requests", 0) * latency,
                r.stats.get("requests", 0) / r.wall_s if r.wall_s else None,
                r.cpu_s,
                r.peak_rss_mib,
                r.peak_concurrency,
                r.succeeded,
            ]
            for r in results
        ],
    )
    bench.report_problems(results, skipped)

    picked = bench.pick(results)
    line = "summary: ours did not run"
    if picked.ours_http:
        line = f"summary: ours {picked.ours_http.wall_s:.1f} s over http"
    if picked.pair:
        mine, theirs = picked.pair
        line += (
            f"; over https ours {mine.wall_s:.1f} s vs official {theirs.wall_s:.1f} s, "
            f"speed-up official/ours {bench.ratio(theirs.wall_s, mine.wall_s)}"
        )
    else:
        line += "; official: not measured"
    print(line)
    return 0 if all(r.succeeded for r in results) else 1


if __name__ == "__main__":
    bench.run_main(main)
