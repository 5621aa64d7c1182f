"""Benchmark: peak RSS of a contacts-only sync at 20k, 100k and 200k contacts.

    .venv/bin/python -m integration_tests.benchmarks.freshdesk_memory [--sizes 20000,100000,200000]
        [--official-max-contacts 20000] [--num-workers N] [--no-official]
        [--connector PATH_TO_CONSOLE_SCRIPT]

Peak RSS is the connector process's own maximum (os.wait4), so a connector that buffers a stream
grows with the account while one that streams stays flat. Ours runs over http at every size; the
official 3.1.3 runs over https only up to --official-max-contacts, because its CDK 0.72 spends
~10 ms of CPU per record (about 35 minutes for 200k). Seeding the sandbox is timed too (200k
contacts take ~10 s to seed and as long again to count the ground truth).
"""

from __future__ import annotations

from integration_tests.benchmarks import freshdesk_bench as bench
from integration_tests.freshdesk_sandbox import SandboxSettings

STREAMS = ("contacts",)
# Few tickets: only contacts are read, and seeding tickets would just slow each size down.
TICKETS = 100


def main(argv: list[str]) -> int:
    parser = bench.parser_for(__doc__)
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[20_000, 100_000, 200_000],
        help="comma-separated contact counts (default 20000,100000,200000)",
    )
    parser.add_argument(
        "--official-max-contacts",
        type=int,
        default=20_000,
        help="largest size the official connector runs at (default 20000)",
    )
    bench.add_common_arguments(parser)
    args = parser.parse_args(argv)
    print(f"Freshdesk memory: contacts-only syncs at {', '.join(f'{n:,}' for n in args.sizes)}")

    results: list[bench.SyncResult] = []
    skipped: list[str] = []
    for size in args.sizes:
        print(f"{size:,} contacts:")
        with_official = args.official and size <= args.official_max_contacts
        found, why = bench.run_all(
            args,
            SandboxSettings(ticket_count=TICKETS, contact_count=size),
            STREAMS,
            with_official=with_official,
            ours_over_https=False,  # TLS does not change what a sync holds in memory
        )
        results += found
        skipped += [f"at {size:,} contacts: {reason}" for reason in why]

    print()
    bench.print_table(
        [
            "connector",
            "route",
            "contacts",
            "seed s",
            "wall s",
            "records/s",
            "CPU s",
            "peak RSS MiB",
            "ok",
        ],
        [
            [
                r.connector,
                r.route,
                r.record_counts["contacts"],
                r.seed_s,
                r.wall_s,
                r.records_per_s,
                r.cpu_s,
                r.peak_rss_mib,
                r.succeeded,
            ]
            for r in results
        ],
    )
    bench.report_problems(results, skipped)

    mine = [r for r in results if not r.official]
    line = ", ".join(f"{r.records:,} -> {r.peak_rss_mib:.0f} MiB" for r in mine)
    growth = ""
    if len(mine) >= 2 and mine[0].records and mine[-1].records > mine[0].records:
        slope = (mine[-1].peak_rss_mib - mine[0].peak_rss_mib) / (
            (mine[-1].records - mine[0].records) / 100_000
        )
        growth = f" (growth {slope:+.1f} MiB per 100k records)"
    theirs = [r for r in results if r.official]
    official_part = "; ".join(f"official {r.records:,} -> {r.peak_rss_mib:.0f} MiB" for r in theirs)
    print(
        f"summary: ours peak RSS {line or '-'}{growth}" + (f"; {official_part}" if theirs else "")
    )
    return 0 if all(r.succeeded for r in results) else 1


if __name__ == "__main__":
    bench.run_main(main)
