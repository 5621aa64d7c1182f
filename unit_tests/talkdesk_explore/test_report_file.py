from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator

import pytest

from source_talkdesk_explore.report_file import (
    ReportFormatError,
    ReportTruncatedError,
    report_entries,
)


def chunked(text: str, size: int) -> list[bytes]:
    data = text.encode()
    return [data[i : i + size] for i in range(0, len(data), size)]


def entries_of(text: str, size: int = 7) -> list[dict]:
    return list(report_entries(chunked(text, size)))


ENTRIES = [
    {"call_id": "1", "talk_time": 12345, "rating": 4.5, "name": "Zoë"},
    {"call_id": "2", "x": [1, {"y": None}], "big": 9223372036854775807},
]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64, 100_000])
def test_entries_survive_any_chunk_boundary_including_inside_utf8_and_numbers(size: int) -> None:
    text = json.dumps({"type": "calls", "entries": ENTRIES, "total": 123456, "version": "v1"})
    assert entries_of(text, size) == ENTRIES


def test_numbers_decode_as_the_standard_library_decodes_them() -> None:
    (entry,) = entries_of('{"entries": [{"a": 1.25, "b": 3, "c": 1e3}]}')
    assert entry == {"a": 1.25, "b": 3, "c": 1000.0}
    assert [type(value) for value in entry.values()] == [float, int, float]


def test_total_may_come_before_or_after_the_entries() -> None:
    assert entries_of(json.dumps({"total": 2, "entries": ENTRIES})) == ENTRIES
    assert entries_of(json.dumps({"entries": ENTRIES, "total": 2})) == ENTRIES


@pytest.mark.parametrize(
    "text", ['{"entries": [], "total": 0}', '{"total": 0, "type": "calls", "entries": []}']
)
def test_an_empty_report_yields_nothing(text: str) -> None:
    assert entries_of(text) == []


def test_entries_are_yielded_before_the_rest_of_the_body_is_read() -> None:
    def body() -> Iterator[bytes]:
        yield b'{"entries": [{"a": 1}, '
        raise AssertionError("read too far")

    assert next(report_entries(body())) == {"a": 1}


def test_an_integer_beyond_64_bits_is_a_format_error_not_a_wrong_number() -> None:
    # The C backend decodes integers as 64-bit: a larger one fails the file instead of being
    # rounded. No Explore report has such columns (ids are strings).
    with pytest.raises(ReportFormatError, match="integer overflow"):
        entries_of('{"entries": [{"n": 9223372036854775808}]}')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"total": 1}', "no 'entries' array \\(top-level keys: total\\)"),
        ('{"job": {"status": "uploading"}}', "top-level keys: job"),
        ('{"entries": {"a": 1}}', "no 'entries' array"),
        ("[]", "top-level keys: none"),
        ("<Error>AccessDenied</Error>", "not JSON"),
        ('{"entries": [1]}', "not a JSON object"),
        ('{"entries": []} trailing', "not JSON"),
    ],
)
def test_anything_but_a_report_file_is_a_format_error(text: str, message: str) -> None:
    with pytest.raises(ReportFormatError, match=message) as caught:
        entries_of(text)
    assert not isinstance(caught.value, ReportTruncatedError)


@pytest.mark.parametrize("text", ['{"entries": [{"a": 1}', '{"entries": [{"a": 1}, {"b"', ""])
def test_a_body_that_ends_early_is_truncated_which_is_worth_downloading_again(text: str) -> None:
    with pytest.raises(ReportTruncatedError, match="truncated"):
        entries_of(text)


def test_a_large_report_is_parsed_in_bounded_memory() -> None:
    entry = json.dumps({"call_id": "x" * 200, "notes": "y" * 800}).encode()

    def body() -> Iterator[bytes]:
        yield b'{"entries": ['
        for index in range(20_000):  # ~20 MB
            yield (b"," if index else b"") + entry
        yield b'], "total": 20000}'

    tracemalloc.start()
    try:
        count = sum(1 for _ in report_entries(body()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 2_000_000  # a window of the stream, never the whole 20 MB body
