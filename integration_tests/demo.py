"""The README's demo: sync every stream of both sources against the bundled sandbox APIs.

Each source runs as the Airbyte platform runs it (its console script with `discover` then `read`),
against a local server that behaves like the real API. The table shows, per stream, the records
emitted, the HTTP requests made (from the stream's own summary line) and the time it took; the
Freshdesk table also checks the records against the sandbox's ground truth, then shows an
incremental re-sync after a few changes.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping

from integration_tests.connector_runner import SyncOutput, discover_catalog, run_source
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings


def print_table(
    title: str, output: SyncOutput, expected: Callable[[str], int | None] | None = None
) -> bool:
    counts, summaries, seconds = output.record_counts(), output.summaries(), output.stream_seconds()
    streams = sorted(set(counts) | set(summaries))
    print(f"\n{title}")
    header = f"  {'stream':<24}{'records':>9}{'requests':>10}{'pages':>7}{'seconds':>9}"
    print(header + ("  matches sandbox" if expected else "") + "  notes")
    all_match = True
    for name in streams:
        summary = summaries.get(name, {})
        line = (
            f"  {name:<24}{counts.get(name, 0):>9}{summary.get('requests', '?'):>10}"
            f"{summary.get('pages', '?'):>7}{seconds.get(name, 0.0):>9.2f}"
        )
        if expected:
            want = expected(name)
            match = want is None or want == counts.get(name, 0)
            all_match &= match
            line += f"  {'yes' if match else f'NO (expected {want})':<15}"
        notes = [
            f"{key}={summary[key]}"
            for key in ("retries", "rate_limit_waits", "skipped_children", "jobs")
            if summary.get(key, "0") not in ("0", "-")
        ]
        if summary.get("skipped", "-") != "-":
            notes.append(f"skipped: {summary['skipped']}")
        print(line + "  " + ", ".join(notes))
    total = sum(counts.values())
    requests = sum(int(s.get("requests", 0)) for s in summaries.values())
    rate = total / output.seconds if output.seconds else 0.0
    print(
        f"  {'TOTAL':<24}{total:>9}{requests:>10}{'':>7}{output.seconds:>9.2f}"
        f"  ({rate:,.0f} records/s, exit code {output.returncode})"
    )
    for error in output.errors():
        print(f"  ERROR [{error.get('failure_type')}]: {error.get('message')}")
    return all_match and output.returncode == 0


def freshdesk_demo(settings: SandboxSettings) -> bool:
    with FreshdeskSandbox(settings) as sandbox:
        config: Mapping[str, str] = {"domain": sandbox.base_url, "api_key": sandbox.api_key}
        catalog = discover_catalog("source-freshdesk", config)
        first = run_source("source-freshdesk", "read", config, catalog)
        ok = print_table(
            f"source-freshdesk: full sync of {len(catalog['streams'])} streams "
            f"from the sandbox at {sandbox.base_url}",
            first,
            expected=lambda name: len(sandbox.records(name)),
        )
        changed = [t["id"] for t in sandbox.records("tickets")[:3]]
        for ticket_id in changed:
            sandbox.update_ticket(ticket_id, priority=4)
        sandbox.add_conversation(changed[0], body="<p>Any update?</p>")
        second = run_source("source-freshdesk", "read", config, catalog, first.final_states())
        counts = second.record_counts()
        print(
            f"\n  Incremental re-sync after updating {len(changed)} tickets and adding a conversation: "
            f"{sum(counts.values())} records in {second.seconds:.1f} s "
            f"(tickets {counts.get('tickets', 0)}, conversations {counts.get('conversations', 0)}; "
            "records sharing the saved cursor's second are re-read on purpose)"
        )
        return ok and second.returncode == 0


def talkdesk_demo(settings: TalkdeskSandboxSettings) -> bool:
    with TalkdeskSandbox(settings) as sandbox:
        config = sandbox.config()
        catalog = discover_catalog("source-talkdesk-explore", config)
        output = run_source("source-talkdesk-explore", "read", config, catalog)
        ok = print_table(
            f"source-talkdesk-explore: {len(catalog['streams'])} report streams since "
            f"{config['start_date']} from the sandbox at {sandbox.api_url}",
            output,
        )
        stats = sandbox.stats()
        durations = stats.get("job_durations_s") or []
        print(
            f"\n  Report jobs: {len(durations)} completed, at most {stats.get('max_concurrent_jobs')} "
            f"in flight at once; their durations add up to {sum(durations):.1f} s against "
            f"{output.seconds:.1f} s of wall time."
        )
        return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python main.py demo", description=__doc__)
    parser.add_argument(
        "--tickets", type=int, default=2500, help="tickets in the Freshdesk sandbox"
    )
    parser.add_argument(
        "--only", choices=["freshdesk", "talkdesk-explore"], help="run one source only"
    )
    args = parser.parse_args(argv)
    ok = True
    if args.only in (None, "freshdesk"):
        ok &= freshdesk_demo(SandboxSettings(ticket_count=args.tickets))
    if args.only in (None, "talkdesk-explore"):
        ok &= talkdesk_demo(TalkdeskSandboxSettings())
    print(
        "\nDemo finished: " + ("every sync succeeded." if ok else "SOMETHING FAILED (see above).")
    )
    return 0 if ok else 1
