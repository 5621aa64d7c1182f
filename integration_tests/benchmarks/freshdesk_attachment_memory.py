"""Benchmark: peak RSS of a ticket_attachments sync with the files on, small files against one big.

    .venv/bin/python -m integration_tests.benchmarks.freshdesk_attachment_memory
        [--big-mib 256] [--tickets 100] [--connector PATH_TO_CONSOLE_SCRIPT]

Two syncs of the same small sandbox with `attachment_files` and `attachments_from_ticket_view` on:
once with its ordinary files (at most 300 KB each), once with the first ticket's first file
`--big-mib` MiB. Peak RSS is the connector process's own (VmHWM), so a connector that holds a file
in memory grows by about its size, while one that streams it to disk in chunks stays where it was.
The bytes on disk are compared with the sandbox's file as well.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from integration_tests.benchmarks import freshdesk_bench as bench
from integration_tests.freshdesk_sandbox import SandboxSettings
from integration_tests.freshdesk_sandbox.attachments import file_bytes

STREAMS = ("ticket_attachments",)
MIB = 1 << 20


def main(argv: list[str]) -> int:
    parser = bench.parser_for(__doc__)
    parser.add_argument("--big-mib", type=int, default=256, help="the big file's size (MiB)")
    # 100: the first ticket is in the default list there (in smaller ones it may be deleted).
    parser.add_argument("--tickets", type=int, default=100, help="tickets in the sandbox")
    bench.add_common_arguments(parser)
    args = parser.parse_args(argv)
    connector = bench.ours(args, attachment_files=True, attachments_from_ticket_view=True)
    rows = []
    ok = True
    for big in (0, args.big_mib * MIB):
        settings = SandboxSettings(
            ticket_count=args.tickets, contact_count=20, large_attachment_bytes=big
        )
        with (
            tempfile.TemporaryDirectory(prefix="staging-") as staging,
            bench.http_route(settings) as route,
        ):
            route.env["AIRBYTE_STAGING_DIRECTORY"] = staging
            result = bench.run_sync(connector, route, STREAMS, {}, args.timeout)
            files = [p for p in Path(staging).rglob("*") if p.is_file()]
            largest = max(files, key=lambda p: p.stat().st_size)
            attachment_id = int(largest.parent.name)
            size = largest.stat().st_size
            same = _digest(largest) == hashlib.sha256(file_bytes(attachment_id, size)).hexdigest()
            ok = ok and result.returncode == 0 and same and (not big or size == big)
            for error in result.output.errors():
                print(f"  error: {error.get('message')}")
            rows.append(
                [
                    f"{big // MIB} MiB" if big else "none",
                    len(files),
                    round(size / MIB, 1),
                    same,
                    result.wall_s,
                    result.peak_rss_mib,
                    result.returncode == 0,
                ]
            )
    print()
    bench.print_table(
        ["big file", "files", "largest MiB", "bytes equal", "wall s", "peak RSS MiB", "ok"], rows
    )
    print(f"summary: peak RSS {rows[0][5]:.0f} MiB without, {rows[1][5]:.0f} MiB with the big file")
    return 0 if ok else 1


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(MIB), b""):
            digest.update(chunk)
    return digest.hexdigest()


if __name__ == "__main__":
    bench.run_main(main)
