"""Runs INSIDE the fresh PyAirbyte virtualenv (it imports nothing from this repository).

Reads one source through PyAirbyte into a DuckDB cache and prints, as the last stdout line, a JSON
summary: per stream the rows in the cache and the primary keys of the rows this read wrote. The
request comes as JSON on stdin:

    {"source_name": "source-freshdesk", "executable": "/.../bin/source-freshdesk",
     "config": {...}, "cache_dir": "/tmp/...", "streams": ["tickets"] | null}

Rows this read wrote are told apart by `_airbyte_raw_id`: PyAirbyte gives every written row a new
one, and its MERGE strategy (streams with a primary key) replaces an updated row with the new one.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# Without offline mode PyAirbyte asks the connector registry about the name even when it is given a
# local executable; DO_NOT_TRACK stops telemetry calls.
os.environ["AIRBYTE_OFFLINE_MODE"] = "1"
os.environ["DO_NOT_TRACK"] = "1"

import airbyte as ab
from airbyte.caches import DuckDBCache


def _raw_ids(cache: DuckDBCache, stream: str) -> set[str]:
    if stream not in cache.streams:
        return set()
    frame = cache[stream].to_pandas()
    return set(frame["_airbyte_raw_id"]) if len(frame) else set()


def _stream_state(states: Any, stream: str) -> dict[str, Any] | None:
    message = states.get_stream_state(stream, not_found=None)
    if message is None or message.stream.stream_state is None:
        return None
    return json.loads(message.stream.stream_state.model_dump_json())


def main() -> None:
    request: dict[str, Any] = json.load(sys.stdin)
    source = ab.get_source(
        request["source_name"],
        config=request["config"],
        local_executable=request["executable"],
    )
    if request.get("streams"):
        source.select_streams(request["streams"])
    else:
        source.select_all_streams()
    cache_dir = Path(request["cache_dir"])
    cache = DuckDBCache(db_path=cache_dir / "cache.duckdb", cache_dir=cache_dir / "files")
    streams = source.get_selected_streams()
    before = {stream: _raw_ids(cache, stream) for stream in streams}

    result = source.read(cache=cache)

    primary_keys = {
        stream.name: [path[0] for path in stream.source_defined_primary_key or []]
        for stream in source.discovered_catalog.streams
    }
    states = cache.get_state_provider(request["source_name"])
    summary: dict[str, Any] = {"processed_records": result.processed_records, "streams": {}}
    for stream in streams:
        frame = cache[stream].to_pandas()
        written = frame[~frame["_airbyte_raw_id"].isin(before[stream])]
        keys = primary_keys[stream]
        summary["streams"][stream] = {
            "rows": len(frame),
            # Keys as lists of strings: DuckDB may widen integer types, strings compare safely.
            "written_keys": sorted(
                [str(value) for value in values] for values in written[keys].itertuples(index=False)
            )
            if keys
            else [],
            "written": len(written),
            "state": _stream_state(states, stream),
        }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
