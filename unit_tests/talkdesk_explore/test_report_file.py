from __future__ import annotations

import json

import pytest

from source_talkdesk_explore.report_file import ReportFile, ReportFormatError


def chunked(text: str, size: int) -> list[bytes]:
    data = text.encode()
    return [data[i : i + size] for i in range(0, len(data), size)]


def entries_of(text: str, size: int = 7) -> tuple[list[dict], ReportFile]:
    report = ReportFile(chunked(text, size))
    return list(report.entries()), report


ENTRIES = [
    {"call_id": "1", "talk_time": 12345, "name": "Zoë"},
    {"call_id": "2", "x": [1, {"y": None}]},
]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64, 100_000])
def test_entries_survive_any_chunk_boundary_including_inside_utf8_and_numbers(size: int) -> None:
    text = json.dumps({"type": "calls", "entries": ENTRIES, "total": 123456, "version": "v1"})
    entries, report = entries_of(text, size)
    assert entries == ENTRIES
    assert report.total == 123456  # a number split across chunks is not cut short


def test_empty_report_yields_nothing_and_reads_total() -> None:
    entries, report = entries_of('{"entries": [], "total": 0}')
    assert entries == [] and report.total == 0


def test_entries_are_yielded_before_the_rest_of_the_body_is_read() -> None:
    def body():
        yield b'{"entries": [{"a": 1},'
        raise AssertionError("read too far")

    first = next(ReportFile(body()).entries())
    assert first == {"a": 1}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"total": 1}', "no 'entries'"),
        ('{"job": {"status": "uploading"}}', "top-level keys: job"),
        ('{"entries": [{"a": 1}', "truncated"),
        ("<Error>AccessDenied</Error>", "expected '{'"),
        ('{"entries": [1]}', "not a JSON object"),
        ('{"entries": []} trailing', "trailing"),
    ],
)
def test_anything_but_a_report_file_is_a_format_error(text: str, message: str) -> None:
    with pytest.raises(ReportFormatError, match=message):
        entries_of(text)


def test_a_large_report_is_parsed_with_a_bounded_buffer() -> None:
    entry = json.dumps({"call_id": "x" * 200, "notes": "y" * 800}).encode()

    def body():
        yield b'{"entries": ['
        for index in range(20_000):  # ~20 MB
            yield (b"," if index else b"") + entry
        yield b'], "total": 20000}'

    report = ReportFile(body())
    largest = 0
    count = 0
    for _ in report.entries():
        count += 1
        largest = max(largest, len(report._buffer))
    assert count == 20_000 and report.total == 20_000
    assert largest < 200_000  # a window of the stream, never the whole 20 MB body
