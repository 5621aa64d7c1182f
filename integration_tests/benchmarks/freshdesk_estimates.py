"""How far off each long stream's row estimates are, and what they cost, on one sandbox account.

    .venv/bin/python -m integration_tests.benchmarks.freshdesk_estimates [--tickets 2500]
        [--contacts 1200] [--time-entries 800] [--incremental]

One sync of tickets, conversations, contacts and time_entries (a full read, or with
--incremental a second read from the first one's state after a few tickets changed). For each
stream it prints the estimates in the order they were written (first, then how many, then the
last), the rows the stream wrote, the first estimate's error, and the credits the estimates
cost: the search requests, and the time_entries requests beyond the stream's own pages.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from integration_tests.connector_runner import SyncOutput, discover_catalog, run_source
from integration_tests.freshdesk.conftest import SCRIPT, config_for
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

LONG_STREAMS = ("tickets", "conversations", "contacts", "time_entries")


def estimates_of(output: SyncOutput) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {stream: [] for stream in LONG_STREAMS}
    for message in output.of_type("TRACE"):
        if message["trace"]["type"] == "ESTIMATE":
            estimate = message["trace"]["estimate"]
            found[estimate["name"]].append(estimate["row_estimate"])
    return found


def read(sandbox: FreshdeskSandbox, state: Any = None) -> SyncOutput:
    config = config_for(sandbox)
    catalog = discover_catalog(SCRIPT, config, list(LONG_STREAMS))
    sandbox.reset_stats()
    output = run_source(SCRIPT, "read", config, catalog, state)
    if output.returncode != 0 or output.errors():
        raise SystemExit(f"the sync failed: {output.errors()}")
    return output


def report(sandbox: FreshdeskSandbox, output: SyncOutput) -> None:
    by_path = sandbox.stats()["by_path"]
    probes = by_path.get("/api/v2/time_entries", 0) - int(
        output.summaries()["time_entries"]["pages"]
    )
    searches = by_path.get("/api/v2/search/tickets", 0) + by_path.get("/api/v2/search/contacts", 0)
    counts = output.record_counts()
    print(f"{'stream':<14} {'rows':>7} {'first':>7} {'error':>8} {'n':>4} {'last':>7}")
    for stream in LONG_STREAMS:
        found = estimates_of(output)[stream]
        rows = counts[stream]
        first = found[0] if found else None
        error = f"{(first - rows) / rows:+.1%}" if first is not None and rows else "-"
        last = found[-1] if found else "-"
        print(f"{stream:<14} {rows:>7} {first!s:>7} {error:>8} {len(found):>4} {last!s:>7}")
    total = sandbox.stats()["credits_used"]
    print(
        f"estimate credits: {searches} searches + {probes} time_entries probes = "
        f"{searches + probes} of the sync's {total}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2500)
    parser.add_argument("--contacts", type=int, default=1200)
    parser.add_argument("--time-entries", type=int, default=800)
    parser.add_argument("--incremental", action="store_true")
    args = parser.parse_args(argv)
    settings = SandboxSettings(
        ticket_count=args.tickets,
        contact_count=args.contacts,
        time_entry_count=args.time_entries,
    )
    with FreshdeskSandbox(settings) as sandbox:
        output = read(sandbox)
        if args.incremental:
            for ticket_id in range(1, 41):
                sandbox.update_ticket(ticket_id, subject=f"changed {ticket_id}")
            output = read(sandbox, output.final_states())
        print(
            f"{'incremental' if args.incremental else 'full'} sync, {settings.ticket_count} tickets"
        )
        report(sandbox, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
