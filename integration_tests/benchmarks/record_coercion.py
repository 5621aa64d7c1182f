"""Benchmark: record coercion, the CDK's TypeTransformer vs the compiled SchemaCoercion.

    .venv/bin/python -m integration_tests.benchmarks.record_coercion [--records 20000] [--seed 7] [--repeat 1]

Generates Freshdesk ticket and contact records from the packaged schema files, shaped like the
API's answers (every schema key present, about a fifth of them null, nested requester/stats/avatar
objects, e-mail and tag lists, custom_fields and a few keys the schema does not list), then times
both transformers on identical deep copies and prints records/s. The "mistyped" rows turn 5% of
the values into convertible strings ("42", "true"), so the slow path is measured too. Both
outputs are compared (as JSON, so 1, 1.0 and true differ) before any figure is printed.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import random
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer

from connector_common.record_coercion import SchemaCoercion

SCHEMAS = Path(__file__).resolve().parents[2] / "source_freshdesk" / "schemas"
WORDS = [
    "refund",
    "login",
    "invoice",
    "broken",
    "shipping",
    "urgent",
    "printer",
    "vpn",
    "password",
    "account",
]


def load_schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.json").read_text())


def _declared(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type", [])
    return [t for t in ([declared] if isinstance(declared, str) else declared) if t != "null"]


def fake_value(schema: Mapping[str, Any], rng: random.Random, name: str, depth: int = 0) -> Any:
    """A value of the declared type, as the API sends it (nullable fields are null at times)."""
    types = _declared(schema)
    if "null" in schema.get("type", []) and rng.random() < 0.2:
        return None
    kind = types[0] if types else "string"
    if kind == "integer":
        return rng.randrange(1, 10**11)
    if kind == "number":
        return rng.random() * 100
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        items = schema.get("items", {"type": ["null", "string"]})
        return [fake_value(items, rng, name, depth + 1) for _ in range(rng.randrange(0, 4))]
    if kind == "object":
        if "properties" in schema:
            return fake_record(schema, rng, depth + 1)
        # custom_fields and friends: free-form objects the schema does not describe.
        return {f"cf_{word}": rng.choice([None, 1, word, True]) for word in rng.sample(WORDS, 3)}
    if schema.get("format") == "date-time" or name.endswith("_at"):
        return f"2024-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}T08:30:00Z"
    if "email" in name:
        return f"{rng.choice(WORDS)}@example.com"
    return " ".join(rng.choices(WORDS, k=rng.randrange(1, 8)))


def fake_record(schema: Mapping[str, Any], rng: random.Random, depth: int = 0) -> dict[str, Any]:
    record = {name: fake_value(sub, rng, name, depth) for name, sub in schema["properties"].items()}
    if depth == 0:
        record["x_unlisted_flag"] = rng.random() < 0.5
        record["x_unlisted_note"] = "not in the schema, left untouched"
    return record


def mistype(record: dict[str, Any], rng: random.Random, rate: float) -> dict[str, Any]:
    """Turn some top-level scalars into the strings a loosely typed API would send."""
    for name, value in record.items():
        if rng.random() < rate and isinstance(value, bool | int | float):
            record[name] = str(value).lower()
    return record


def records_per_second(
    transformer: TypeTransformer, records: list[dict[str, Any]], schema: Mapping[str, Any]
) -> float:
    transform = transformer.transform
    start = time.perf_counter()
    for record in records:
        transform(record, schema)
    return len(records) / (time.perf_counter() - start)


def run_case(
    name: str, schema: dict[str, Any], records: list[dict[str, Any]], repeat: int
) -> tuple[str, float, float]:
    """Best of `repeat` interleaved runs of each, on fresh copies (transform mutates records)."""
    cdk = TypeTransformer(TransformConfig.DefaultSchemaNormalization)
    coercion = SchemaCoercion()
    coercion.compiled(schema)  # compiled once per schema in a sync too; not a per-record cost
    cdk_rate = compiled_rate = 0.0
    for _ in range(repeat):
        cdk_records, compiled_records = copy.deepcopy(records), copy.deepcopy(records)
        cdk_rate = max(cdk_rate, records_per_second(cdk, cdk_records, schema))
        compiled_rate = max(compiled_rate, records_per_second(coercion, compiled_records, schema))
        if json.dumps(cdk_records) != json.dumps(compiled_records):
            raise SystemExit(f"{name}: the compiled coercion's output differs from the CDK's")
    return name, cdk_rate, compiled_rate


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="records per case")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat", type=int, default=1, help="best of N runs each (the CDK takes ~30 s a run)"
    )
    args = parser.parse_args(argv)
    # Mistyped values that cannot convert would log; the figures are the point here.
    logging.getLogger("airbyte").setLevel(logging.ERROR)

    rng = random.Random(args.seed)
    cases = []
    for stream in ("tickets", "contacts"):
        schema = load_schema(stream)
        clean = [fake_record(schema, rng) for _ in range(args.records)]
        mistyped = [mistype(copy.deepcopy(r), rng, 0.05) for r in clean]
        cases.append(run_case(stream, schema, clean, args.repeat))
        cases.append(run_case(f"{stream} (5% mistyped)", schema, mistyped, args.repeat))

    print(
        f"record coercion, {args.records} generated Freshdesk records per case "
        f"(seed {args.seed}, best of {args.repeat})"
    )
    print(f"{'case':<26} {'CDK rec/s':>12} {'compiled rec/s':>15} {'speed-up':>9}")
    for name, cdk_rate, compiled_rate in cases:
        print(
            f"{name:<26} {cdk_rate:>12,.0f} {compiled_rate:>15,.0f} {compiled_rate / cdk_rate:>8.1f}x"
        )
    total_cdk = sum(args.records / cdk for _, cdk, _ in cases)
    total_compiled = sum(args.records / compiled for _, _, compiled in cases)
    print(
        f"summary: {len(cases) * args.records} records, CDK {total_cdk:.2f} s vs compiled "
        f"{total_compiled:.2f} s: {total_cdk / total_compiled:.1f}x faster, identical output"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
