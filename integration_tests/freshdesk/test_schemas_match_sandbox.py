"""Cross-check: every ground-truth record of the Freshdesk sandbox fits its shipped schema.

Two things must hold for every record of every stream:
* it validates against the schema with Draft 7 where "integer" means a real int (no 1.0), and
* the CDK's TypeTransformer (which the connector applies before emitting) keeps every integer
  exact and never turns an object or a list into a string (a Python repr).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer
from jsonschema import Draft7Validator, validators

from integration_tests.freshdesk.conftest import SMALL, sync
from integration_tests.freshdesk_sandbox import (
    RECORD_KEYS,
    STREAM_NAMES,
    FreshdeskSandbox,
    SandboxSettings,
)
from source_freshdesk.streams.admin import normalized_form_field

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "source_freshdesk" / "schemas"
# Airbyte 3.0.0 renamed the nested object so the record has no field named like its stream;
# the connector does the same, so the sandbox's API-shaped record is renamed before checking.
RENAMED_FIELDS = {"business_hours": {"business_hours": "working_hours"}}
BEYOND_FLOAT_PRECISION = 2**53


def _is_strict_integer(_checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


StrictDraft7Validator = validators.extend(
    Draft7Validator,
    type_checker=Draft7Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)


def load_schema(stream: str) -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / f"{stream}.json").read_text(encoding="utf-8"))


def as_emitted_by_connector(stream: str, record: dict[str, Any]) -> dict[str, Any]:
    renamed = dict(record)
    for api_name, airbyte_name in RENAMED_FIELDS.get(stream, {}).items():
        if api_name in renamed:
            renamed[airbyte_name] = renamed.pop(api_name)
    if stream == "ticket_forms":
        # The form view's fields have their own stamp and portal_cc forms; the connector
        # normalizes them to the API-wide ones.
        renamed["fields"] = [normalized_form_field(f) for f in renamed.get("fields", [])]
    return renamed


def _decimal_custom_field(path: str, before: int, after: Any) -> bool:
    """A decimal custom field is typed number from its definition: an integral value becomes the
    same number as a float, exact below 2**53 (ids are never custom fields)."""
    return (
        ".custom_fields." in path
        and isinstance(after, float)
        and after == before
        and abs(before) < BEYOND_FLOAT_PRECISION
    )


def transform_damage(before: Any, after: Any, path: str = "$") -> list[str]:
    """Paths where normalization changed an integer or flattened a container into a string."""
    if isinstance(before, bool):
        return []
    if isinstance(before, int):
        if _decimal_custom_field(path, before, after):
            return []
        if type(after) is not int or after != before:
            return [f"{path}: int {before!r} became {after!r}"]
        return []
    if isinstance(before, dict | list) and isinstance(after, str):
        return [f"{path}: {type(before).__name__} became a string"]
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            damage
            for key, child in before.items()
            for damage in transform_damage(child, after.get(key), f"{path}.{key}")
        ]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            damage
            for index, (old, new) in enumerate(zip(before, after, strict=True))
            for damage in transform_damage(old, new, f"{path}[{index}]")
        ]
    return []


@pytest.fixture(scope="module")
def sandbox() -> Iterator[FreshdeskSandbox]:
    # Archived tickets are off by default; a few here give their schema records to check.
    with FreshdeskSandbox(SandboxSettings(archived_ticket_count=5)) as running:
        yield running


def test_sandbox_and_schema_directory_name_the_same_streams() -> None:
    assert set(STREAM_NAMES) == {path.stem for path in SCHEMAS_DIR.glob("*.json")}


def test_strict_validator_rejects_float_integers() -> None:
    # Guards the guard: the plain Draft 7 checker would accept 1.0 where an id is expected.
    schema = {"type": "object", "properties": {"id": {"type": ["null", "integer"]}}}
    assert not StrictDraft7Validator(schema).is_valid({"id": 1.0})
    assert StrictDraft7Validator(schema).is_valid({"id": BEYOND_FLOAT_PRECISION + 1})


def test_transform_damage_detects_repr_and_rounded_ids() -> None:
    original = {"id": BEYOND_FLOAT_PRECISION + 1, "choices": {"a": [1]}}
    damaged = {"id": float(BEYOND_FLOAT_PRECISION + 1), "choices": "{'a': [1]}"}
    assert len(transform_damage(original, damaged)) == 2


@pytest.mark.parametrize("stream", STREAM_NAMES)
def test_every_sandbox_record_validates_against_its_schema(
    sandbox: FreshdeskSandbox, stream: str
) -> None:
    records = [as_emitted_by_connector(stream, r) for r in sandbox.records(stream)]
    assert records, f"the sandbox seeds no {stream}, so this check would prove nothing"
    validator = StrictDraft7Validator(load_schema(stream))
    errors = sorted(
        {
            f"{'.'.join(map(str, error.absolute_path))}: {error.message[:160]}"
            for record in records
            for error in validator.iter_errors(record)
        }
    )
    assert errors == []


@pytest.mark.parametrize("stream", STREAM_NAMES)
def test_type_transformer_keeps_integers_exact_and_objects_intact(
    sandbox: FreshdeskSandbox, stream: str
) -> None:
    schema = load_schema(stream)
    transformer = TypeTransformer(TransformConfig.DefaultSchemaNormalization)
    damage: set[str] = set()
    for record in sandbox.records(stream):
        original = as_emitted_by_connector(stream, record)
        transformed = copy.deepcopy(original)
        transformer.transform(transformed, schema)
        damage.update(transform_damage(original, transformed))
    assert sorted(damage) == []


def with_big_ids(value: Any, key: str = "") -> Any:
    """The same record with every integer id pushed above 2**53, where floats lose digits."""
    if isinstance(value, dict):
        return {k: with_big_ids(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [with_big_ids(v, key) for v in value]
    is_id_key = key == "id" or key.endswith("_id") or key.endswith("_ids")
    if is_id_key and isinstance(value, int) and not isinstance(value, bool):
        return BEYOND_FLOAT_PRECISION + 2 * value + 1
    return value


@pytest.mark.parametrize("stream", STREAM_NAMES)
def test_ids_beyond_float_precision_stay_exact_after_normalization(
    sandbox: FreshdeskSandbox, stream: str
) -> None:
    schema = load_schema(stream)
    transformer = TypeTransformer(TransformConfig.DefaultSchemaNormalization)
    damage: set[str] = set()
    for record in sandbox.records(stream)[:50]:
        original = with_big_ids(as_emitted_by_connector(stream, record))
        transformed = copy.deepcopy(original)
        transformer.transform(transformed, schema)
        damage.update(transform_damage(original, transformed))
    assert sorted(damage) == []


@pytest.mark.slow
def test_records_emitted_by_a_full_sync_fit_their_schemas_and_keep_their_values() -> None:
    """End to end: what the connector really emits (after its TypeTransformer) still fits."""
    with FreshdeskSandbox(SandboxSettings(**SMALL, archived_ticket_count=3)) as small:
        output = sync(small)
        assert output.returncode == 0 and not output.errors()
        problems: set[str] = set()
        for stream in STREAM_NAMES:
            key = RECORD_KEYS.get(stream, "id")
            truth = {r[key]: as_emitted_by_connector(stream, r) for r in small.records(stream)}
            validator = StrictDraft7Validator(load_schema(stream))
            emitted = output.records(stream)
            assert emitted, f"the sync emitted no {stream}"
            for record in emitted:
                problems.update(
                    f"{stream}: {'.'.join(map(str, e.absolute_path))}: {e.message[:120]}"
                    for e in validator.iter_errors(record)
                )
                problems.update(
                    f"{stream}: {damage}" for damage in transform_damage(truth[record[key]], record)
                )
    assert sorted(problems) == []
