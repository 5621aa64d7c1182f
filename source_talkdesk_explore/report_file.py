"""Streaming reader for a report file (`{"entries": [...], "total": n, ...}`, format=json).

Reports can hold a month of calls, so entries are decoded one at a time from the byte stream
instead of loading the whole body (0.1.0 loaded it and parsed it twice).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from typing import Any

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"
# Compact the buffer once this much of it has been consumed.
_COMPACT_AFTER = 1 << 16


class ReportFormatError(ValueError):
    """The body is not a report file (not JSON, or no `entries` array)."""


class ReportTruncatedError(ReportFormatError):
    """The body ended early: a cut-off download, worth fetching again."""


class ReportFile:
    """Yields entries; afterwards `total` holds the file's `total` field (None when absent)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self.total: int | None = None
        self.top_level_keys: list[str] = []

    def entries(self) -> Iterator[dict[str, Any]]:
        self._expect("{")
        saw_entries = False
        if self._peek() == "}":
            self._pos += 1
        else:
            while True:
                key = self._value()
                if not isinstance(key, str):
                    raise ReportFormatError("report file: object key is not a string")
                self.top_level_keys.append(key)
                self._expect(":")
                if key == "entries":
                    saw_entries = True
                    yield from self._entries_array()
                else:
                    value = self._value()
                    if key == "total" and isinstance(value, int):
                        self.total = value
                separator = self._next_char()
                if separator == "}":
                    break
                if separator != ",":
                    raise ReportFormatError(f"report file: expected ',' or '}}', got {separator!r}")
        if self._peek() != "":
            raise ReportFormatError("report file: trailing data after the top-level object")
        if not saw_entries:
            keys = ", ".join(self.top_level_keys) or "none"
            raise ReportFormatError(f"report file has no 'entries' array (top-level keys: {keys})")

    def _entries_array(self) -> Iterator[dict[str, Any]]:
        self._expect("[")
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            entry = self._value()
            if not isinstance(entry, dict):
                raise ReportFormatError("report file: an entry is not a JSON object")
            yield entry
            separator = self._next_char()
            if separator == "]":
                return
            if separator != ",":
                raise ReportFormatError(f"report file: expected ',' or ']', got {separator!r}")

    def _value(self) -> Any:
        """Decode the next JSON value, reading more input until it is certainly complete."""
        self._skip_whitespace()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError:
                if not self._read_more():
                    raise ReportTruncatedError("report file is truncated or not JSON") from None
                continue
            # A number that ends exactly at the buffer end may continue in the next chunk.
            if end == len(self._buffer) and not self._eof and self._read_more():
                continue
            self._pos = end
            self._compact()
            return value

    def _expect(self, char: str) -> None:
        found = self._next_char()
        if found != char:
            raise ReportFormatError(f"report file: expected {char!r}, got {found[:20]!r}")

    def _next_char(self) -> str:
        """The next structural character; the body ending here means it was cut short."""
        char = self._peek()
        if not char:
            raise ReportTruncatedError("report file is truncated")
        self._pos += 1
        return char

    def _peek(self) -> str:
        self._skip_whitespace()
        return self._buffer[self._pos] if self._pos < len(self._buffer) else ""

    def _skip_whitespace(self) -> None:
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._buffer) or not self._read_more():
                return

    def _read_more(self) -> bool:
        if self._eof:
            return False
        for chunk in self._chunks:
            text = self._utf8.decode(chunk)
            if text:
                self._buffer += text
                return True
        self._eof = True
        self._buffer += self._utf8.decode(b"", final=True)
        return False

    def _compact(self) -> None:
        if self._pos > _COMPACT_AFTER:
            self._buffer = self._buffer[self._pos :]
            self._pos = 0
