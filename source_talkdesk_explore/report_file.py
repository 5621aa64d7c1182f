"""Streaming reader for a report file (`{"entries": [...], "total": n, ...}`, format=json).

Reports can hold a month of calls, so entries are decoded one at a time from the byte stream by
ijson's C backend instead of loading the whole body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import ijson

# A report without entries is a few bytes; its body is kept until the first entry shows up, up
# to this size, so that a body without an `entries` array can name what it holds instead.
_HEAD_LIMIT_BYTES = 1 << 20


class ReportFormatError(ValueError):
    """The body is not a report file (not JSON, or no `entries` array)."""


class ReportTruncatedError(ReportFormatError):
    """The body ended early: a cut-off download, worth fetching again."""


def report_entries(chunks: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """The file's entries in order, each as soon as the bytes holding it have arrived."""
    decoded = ijson.sendable_list()
    # Floats as float, as the standard library decodes them (ijson's default is Decimal, which
    # the CDK's message serializer cannot write); integers beyond 64 bits are then a parse error.
    parser = ijson.items_coro(decoded, "entries.item", use_float=True)
    head: bytearray | None = bytearray()
    for chunk in chunks:
        if head is not None and len(head) <= _HEAD_LIMIT_BYTES:
            head += chunk
        try:
            parser.send(chunk)
        except ijson.JSONError as error:
            raise ReportFormatError(f"report file is not JSON ({_first_line(error)})") from None
        if decoded:
            head = None
            yield from _objects(decoded)
    try:
        parser.close()
    except ijson.JSONError:
        raise ReportTruncatedError("report file is truncated") from None
    if decoded:
        yield from _objects(decoded)
    elif head is not None:
        _check_has_entries(bytes(head))


def _objects(decoded: list[Any]) -> Iterator[dict[str, Any]]:
    for entry in decoded:
        if not isinstance(entry, dict):
            raise ReportFormatError("report file: an entry is not a JSON object")
        yield entry
    del decoded[:]


def _check_has_entries(body: bytes) -> None:
    """A complete JSON body without a single entry: an empty report, or not a report at all."""
    if len(body) > _HEAD_LIMIT_BYTES:
        raise ReportFormatError(
            f"report file holds no entry in its first {_HEAD_LIMIT_BYTES >> 20} MiB"
        )
    top = json.loads(body)
    keys = ", ".join(top) if isinstance(top, dict) else ""
    if not isinstance(top, dict) or not isinstance(top.get("entries"), list):
        raise ReportFormatError(
            f"report file has no 'entries' array (top-level keys: {keys or 'none'})"
        )


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
