"""Benchmark: conversations of 1,000 tickets under a budget of 60 credits per 2-second window.

    .venv/bin/python -m integration_tests.benchmarks.freshdesk_budget [--tickets 1000]
        [--credits 60] [--window-s 2] [--latency-ms 100] [--requests-per-minute N]
        [--num-workers N] [--no-official] [--connector PATH_TO_CONSOLE_SCRIPT]

60 credits per 2 s is Freshdesk's per-minute budget (1,800 credits) shrunk to short windows, so a
sync meets many window boundaries in a couple of minutes. With 100 ms per request a sequential
connector cannot spend the budget; a concurrent one can, and must then pace itself instead of
collecting 429s. Prints the share of the allowed credits used two ways:
- "budget used (wall)": credits spent / (credits per window x wall time / window), the
  connector's start-up (~2-3 s of imports, before any request) included, as the platform sees it;
- "budget used (requests)": the same over the window from the connector's first request's arrival
  at the sandbox to its last response, the time in which the budget is actually being spent.
Then 429s as a share of all responses, wall time and whether the sync succeeded. --requests-per-minute passes that cap to our
connector; without it our connector paces from the X-RateLimit headers alone.
"""

from __future__ import annotations

from integration_tests.benchmarks import freshdesk_bench as bench
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

STREAMS = ("conversations",)


def main(argv: list[str]) -> int:
    parser = bench.parser_for(__doc__)
    parser.add_argument("--tickets", type=int, default=1_000)
    parser.add_argument("--credits", type=int, default=60, help="credits per window")
    parser.add_argument("--window-s", type=float, default=2.0)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--requests-per-minute", type=int, default=None)
    bench.add_common_arguments(parser)
    args = parser.parse_args(argv)

    def prepare(sandbox: FreshdeskSandbox) -> None:
        sandbox.inject_latency(args.latency_ms / 1000, path_prefix="")

    settings = SandboxSettings(
        ticket_count=args.tickets,
        rate_limit_total=args.credits,
        rate_limit_window_seconds=args.window_s,
    )
    per_minute = args.credits * 60 / args.window_s
    print(
        f"Freshdesk budget: conversations of {args.tickets:,} tickets, {args.credits} credits per "
        f"{args.window_s:g} s window ({per_minute:,.0f}/min), {args.latency_ms:.0f} ms per request"
    )
    mine = bench.ours(args, requests_per_minute=args.requests_per_minute)
    results, skipped = bench.run_all(args, settings, STREAMS, prepare, mine=mine)

    def allowed(result: bench.SyncResult) -> float:
        return args.credits * result.wall_s / args.window_s

    def allowed_active(result: bench.SyncResult) -> float | None:
        active = result.stats.get("active_s")
        return args.credits * active / args.window_s if active else None

    def used(result: bench.SyncResult, allowance: float | None) -> str:
        return _percent(result.stats.get("credits_used", 0) / allowance if allowance else None)

    def share_429(result: bench.SyncResult) -> float | None:
        requests = result.stats.get("requests", 0)
        return result.stats.get("rate_limited", 0) / requests if requests else None

    print()
    bench.print_table(
        [
            "connector",
            "route",
            "conversations",
            "wall s",
            "credits spent",
            "credits allowed",
            "budget used (wall)",
            "request window s",
            "budget used (requests)",
            "responses",
            "429s",
            "429 share",
            "peak conc.",
            "succeeded",
        ],
        [
            [
                r.connector,
                r.route,
                r.record_counts["conversations"],
                r.wall_s,
                r.stats.get("credits_used"),
                allowed(r),
                used(r, allowed(r)),
                r.stats.get("active_s"),
                used(r, allowed_active(r)),
                r.stats.get("requests"),
                r.stats.get("rate_limited"),
                _percent(share_429(r)),
                r.peak_concurrency,
                r.succeeded,
            ]
            for r in results
        ],
    )
    bench.report_problems(results, skipped)

    parts = [
        f"{r.connector} over {r.route}: budget used {used(r, allowed(r))} of wall time, "
        f"{used(r, allowed_active(r))} of the request window, "
        f"429s {_percent(share_429(r))}, {r.wall_s:.1f} s, "
        f"{'succeeded' if r.succeeded else 'FAILED'}"
        for r in results
    ]
    print("summary: " + "; ".join(parts or ["no sync ran"]))
    return 0 if all(r.succeeded for r in results) else 1


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


if __name__ == "__main__":
    bench.run_main(main)
