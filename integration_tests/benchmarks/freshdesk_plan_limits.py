"""Benchmark: a Growth-plan account, where the contacts list's own limit binds the sync.

    .venv/bin/python -m integration_tests.benchmarks.freshdesk_plan_limits [--tickets 200]
        [--contacts 4000] [--companies 150] [--latency-ms 100] [--num-workers N]
        [--no-official] [--connector PATH_TO_CONSOLE_SCRIPT]

The sandbox enforces Growth's three budgets in 60-second windows: 200 credits for the account,
of which the tickets list may take 20 and the contacts list 20. Every request takes 100 ms.
Both connectors run with their default config on tickets, contacts, companies and
conversations; several thousand contacts make the contacts list the slowest budget.

For each sync, the bound is what the three budgets allow for the credits the sync spent:
the slowest of account credits / 200, tickets-list credits / 20 and contacts-list credits / 20,
in minutes (a fixed-window server can let a sync finish a little faster, by spending a whole
window's budget at once at the start). Prints wall time against that bound, the share of
responses that were 429s, and the records missing against the sandbox's ground truth (the
official connector never reads deleted or spam tickets, so part of its gap is by design).
"""

from __future__ import annotations

from integration_tests.benchmarks import freshdesk_bench as bench
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.freshdesk_sandbox.settings import PLAN_RATE_LIMITS, PlanName

STREAMS = ("tickets", "contacts", "companies", "conversations")
PLAN: PlanName = "growth"
WINDOW_SECONDS = 60.0
TARGET_BOUND_RATIO = 1.15
TARGET_429_SHARE = 0.01


def bound_seconds(result: bench.SyncResult) -> tuple[float, str]:
    """The slowest budget's time for the credits this sync spent, and that budget's name."""
    account, tickets_list, contacts_list = PLAN_RATE_LIMITS[PLAN]
    spent = result.stats.get("list_credits_used", {})
    windows = {
        "account": result.stats.get("credits_used", 0) / account,
        "tickets list": spent.get("tickets_list", 0) / (tickets_list or 1),
        "contacts list": spent.get("contacts_list", 0) / (contacts_list or 1),
    }
    binding = max(windows, key=lambda name: windows[name])
    return windows[binding] * WINDOW_SECONDS, binding


def share_429(result: bench.SyncResult) -> float | None:
    requests = result.stats.get("requests", 0)
    return result.stats.get("rate_limited", 0) / requests if requests else None


def missing(result: bench.SyncResult) -> int:
    return sum(
        max(0, held - result.record_counts[stream])
        for stream, held in result.expected_counts.items()
    )


def meets_targets(result: bench.SyncResult) -> bool:
    bound, _ = bound_seconds(result)
    share = share_429(result)
    return (
        result.succeeded
        and result.wall_s <= TARGET_BOUND_RATIO * bound
        and share is not None
        and share < TARGET_429_SHARE
        and missing(result) == 0
    )


def main(argv: list[str]) -> int:
    parser = bench.parser_for(__doc__)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--contacts", type=int, default=4_000)
    parser.add_argument("--companies", type=int, default=150)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    bench.add_common_arguments(parser)
    args = parser.parse_args(argv)

    def prepare(sandbox: FreshdeskSandbox) -> None:
        sandbox.inject_latency(args.latency_ms / 1000, path_prefix="")

    settings = SandboxSettings(
        ticket_count=args.tickets,
        contact_count=args.contacts,
        company_count=args.companies,
        rate_limit_plan=PLAN,
        rate_limit_window_seconds=WINDOW_SECONDS,
    )
    account, tickets_list, contacts_list = PLAN_RATE_LIMITS[PLAN]
    print(
        f"Freshdesk {PLAN} plan: {account} / {tickets_list} / {contacts_list} credits per "
        f"{WINDOW_SECONDS:.0f} s (account / tickets list / contacts list), "
        f"{args.latency_ms:.0f} ms per request; {args.tickets:,} tickets, {args.contacts:,} "
        f"contacts, {args.companies:,} companies; streams {', '.join(STREAMS)}; default config"
    )
    results, skipped = bench.run_all(args, settings, STREAMS, prepare)

    print()
    bench.print_table(
        [
            "connector",
            "route",
            "wall s",
            "bound s",
            "binding budget",
            "wall/bound",
            "credits",
            "tickets-list cr.",
            "contacts-list cr.",
            "responses",
            "429s",
            "429 share",
            "records",
            "missing",
            "ok",
        ],
        [
            [
                r.connector,
                r.route,
                r.wall_s,
                bound_seconds(r)[0],
                bound_seconds(r)[1],
                f"{r.wall_s / bound_seconds(r)[0]:.2f}x" if bound_seconds(r)[0] else "-",
                r.stats.get("credits_used"),
                r.stats.get("list_credits_used", {}).get("tickets_list", 0),
                r.stats.get("list_credits_used", {}).get("contacts_list", 0),
                r.stats.get("requests"),
                r.stats.get("rate_limited"),
                _percent(share_429(r)),
                r.records,
                missing(r),
                r.succeeded,
            ]
            for r in results
        ],
    )
    bench.report_problems(results, skipped)

    parts = []
    for r in results:
        bound, binding = bound_seconds(r)
        verdict = "meets" if meets_targets(r) else "MISSES"
        parts.append(
            f"{r.connector} over {r.route}: {r.wall_s:.1f} s against a bound of {bound:.1f} s "
            f"({binding}), {bench.ratio(r.wall_s, bound)}; 429s {_percent(share_429(r))}; "
            f"missing {missing(r)}; {verdict} the targets"
        )
    print(
        f"targets: wall <= {TARGET_BOUND_RATIO:.2f}x bound, 429s < {TARGET_429_SHARE:.0%}, "
        "nothing missing"
    )
    print("summary: " + "; ".join(parts or ["no sync ran"]))
    ours_ok = all(meets_targets(r) for r in results if not r.official)
    return 0 if ours_ok else 1


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.2%}"


if __name__ == "__main__":
    bench.run_main(main)
