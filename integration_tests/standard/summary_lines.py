"""The one summary line each stream logs at the end of its read (the issue's "Docs and logs")."""

from __future__ import annotations

from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

PREFIX = "Sync summary: "
# Counters both sources report: records, requests, pages, retries, 429 waits, and the skip reason.
SUMMARY_FIELDS = ("records", "requests", "pages", "retries", "rate_limit_waits", "skipped")


def summary_lines(output: EntrypointOutput) -> dict[str, list[dict[str, str]]]:
    """The `Sync summary: stream=<name> key=value ...` log lines of a read, per stream."""
    lines: dict[str, list[dict[str, str]]] = {}
    for message in output.logs:
        text = message.log.message
        if text.startswith(PREFIX):
            fields = dict(part.split("=", 1) for part in text.removeprefix(PREFIX).split())
            lines.setdefault(fields["stream"], []).append(fields)
    return lines
