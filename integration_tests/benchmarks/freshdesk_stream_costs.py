"""Requests and credits of a full sync of each stream added beyond Airbyte's 28, on the demo sandbox.

(ticket_attachments once per setting: defaults, with the ticket view, with the files too.)

    .venv/bin/python -m integration_tests.benchmarks.freshdesk_stream_costs [--tickets 2500]
        [--archived N]

Each stream is synced alone (a full read, no state) against one sandbox of the demo's size
(`python main.py demo`), and the sandbox's own stats say which paths it asked for. Streams that
extend an older one are measured as the difference: contacts' blocked and deleted views are the
contacts requests beyond the default view's pages, the ticket_fields admin view is its
admin/ticket_fields requests, and the archive part of conversations is what conversations with
archived_tickets costs beyond each of them alone. --archived seeds that many archived tickets (the
demo seeds none, so its archive costs are the ids-only walks of the ticket views).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from integration_tests.connector_runner import discover_catalog, run_source
from integration_tests.freshdesk.conftest import SCRIPT, config_for
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

NEW_STREAMS = (
    "ticket_activities",
    "contact_fields",
    "company_fields",
    "ticket_forms",
    "account",
    "automation_rules",
    "custom_object_schemas",
    "custom_object_records",
    "csat_surveys",
    "csat_survey_responses",
    "archived_tickets",
)
API = "/api/v2/"
# The CSAT API's survey ids are UUIDs, which the sandbox's stats keep apart.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def measure(sandbox: FreshdeskSandbox, streams: Sequence[str], **settings: Any) -> dict[str, Any]:
    """The read's requests only: discover's (the field definitions) are not the streams' cost."""
    config = config_for(sandbox, **settings)
    catalog = discover_catalog(SCRIPT, config, list(streams))
    sandbox.reset_stats()
    output = run_source(SCRIPT, "read", config, catalog)
    if output.returncode != 0 or output.errors():
        raise SystemExit(f"the sync of {streams} failed: {output.errors()}")
    stats = sandbox.stats()
    by_path: dict[str, int] = {}
    for path, count in sorted(stats["by_path"].items()):
        key = UUID.sub("{uuid}", path.removeprefix(API))
        by_path[key] = by_path.get(key, 0) + count
    return {"requests": stats["requests"], "credits": stats["credits_used"], "by_path": by_path}


def paths(by_path: dict[str, int]) -> str:
    return ", ".join(f"`{path}` {count}" for path, count in by_path.items())


def minus(a: dict[str, int], *others: dict[str, int]) -> dict[str, int]:
    out = dict(a)
    for other in others:
        for path, count in other.items():
            out[path] = out.get(path, 0) - count
    return {path: count for path, count in out.items() if count}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=2500, help="the demo's default")
    parser.add_argument("--archived", type=int, default=0, help="archived tickets to seed")
    parser.add_argument(
        "--attachments-only", action="store_true", help="measure ticket_attachments only"
    )
    parser.add_argument(
        "--archive-only",
        action="store_true",
        help="measure archived_tickets and conversations only",
    )
    args = parser.parse_args(argv)
    settings = SandboxSettings(ticket_count=args.tickets, archived_ticket_count=args.archived)
    rows: list[tuple[str, int, int, str]] = []
    with FreshdeskSandbox(settings) as sandbox:
        if args.attachments_only:
            rows.extend(attachment_costs(sandbox))
        else:
            for stream in ("archived_tickets",) if args.archive_only else NEW_STREAMS:
                cost = measure(sandbox, [stream])
                rows.append((stream, cost["requests"], cost["credits"], paths(cost["by_path"])))
            if not args.archive_only:
                rows.extend(view_costs(sandbox))
                rows.extend(attachment_costs(sandbox))
            rows.append(archive_part_of_conversations(sandbox))
    print(f"Demo sandbox: {args.tickets} tickets, {args.archived} archived\n")
    print("| stream | requests | credits | requests by path |")
    print("|---|---:|---:|---|")
    for name, requests, credits, by_path in rows:
        print(f"| {name} | {requests} | {credits} | {by_path} |")
    return 0


def view_costs(sandbox: FreshdeskSandbox) -> list[tuple[str, int, int, str]]:
    fields = measure(sandbox, ["ticket_fields"])["by_path"]
    admin = fields.get("admin/ticket_fields", 0)
    contacts = measure(sandbox, ["contacts"])
    default_view = len(sandbox.store.contacts(state=None, since=None))
    views = contacts["by_path"]["contacts"] - max(1, math.ceil(default_view / 100))
    return [
        ("ticket_fields admin view", admin, admin, f"`admin/ticket_fields` {admin}"),
        ("contacts: blocked + deleted views", views, views, f"`contacts` {views}"),
    ]


def attachment_costs(sandbox: FreshdeskSandbox) -> list[tuple[str, int, int, str]]:
    """ticket_attachments with each setting: storage downloads (`/_files/attachments`) are
    requests but no credits."""
    rows = []
    for label, settings in (
        ("ticket_attachments (defaults)", {}),
        (
            "ticket_attachments + attachments_from_ticket_view",
            {"attachments_from_ticket_view": True},
        ),
        (
            "ticket_attachments + attachments_from_ticket_view + attachment_files",
            {"attachments_from_ticket_view": True, "attachment_files": True},
        ),
    ):
        # The CDK reads the staging directory when the connector starts: a fresh process.
        with (
            tempfile.TemporaryDirectory(prefix="staging-") as staging,
            patched_environ(AIRBYTE_STAGING_DIRECTORY=staging, CONNECTOR_LAUNCH="exec"),
        ):
            cost = measure(sandbox, ["ticket_attachments"], **settings)
        rows.append((label, cost["requests"], cost["credits"], paths(cost["by_path"])))
    return rows


@contextlib.contextmanager
def patched_environ(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def archive_part_of_conversations(sandbox: FreshdeskSandbox) -> tuple[str, int, int, str]:
    alone = measure(sandbox, ["conversations"])
    archived = measure(sandbox, ["archived_tickets"])
    both = measure(sandbox, ["archived_tickets", "conversations"])
    extra = minus(both["by_path"], alone["by_path"], archived["by_path"])
    return (
        "conversations: archive part",
        both["requests"] - alone["requests"] - archived["requests"],
        both["credits"] - alone["credits"] - archived["credits"],
        paths(extra),
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
