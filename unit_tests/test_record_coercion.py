"""SchemaCoercion: the CDK's DefaultSchemaNormalization result, compiled once per schema."""

from __future__ import annotations

import copy
import json
import logging
import math
import re
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.sources.utils.record_helper import stream_data_to_airbyte_message
from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

import connector_common.record_coercion as record_coercion
from connector_common.record_coercion import SchemaCoercion

# Hypothesis caches what it learns under .hypothesis/ in the working directory; keep the checkout
# clean by caching in the temp directory instead.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "helpdesk-sources-hypothesis")

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILES = sorted(
    [
        *ROOT.glob("source_freshdesk/schemas/*.json"),
        *ROOT.glob("source_talkdesk_explore/schemas/*.json"),
    ]
)
SCHEMAS: dict[str, dict[str, Any]] = {
    f"{path.parent.parent.name}/{path.stem}": json.loads(path.read_text()) for path in SCHEMA_FILES
}

CDK = TypeTransformer(TransformConfig.DefaultSchemaNormalization)
WARNING = re.compile(r"^Failed to transform value from type '(.*)' to type '(.*)' at path: '(.*?)'")


# -- comparing outcomes -------------------------------------------------------------------------


def strict(value: Any) -> Any:
    """A form where 1, 1.0 and True differ, key order counts and nan equals nan."""
    if isinstance(value, dict):
        return (type(value).__name__, [(strict(k), strict(v)) for k, v in value.items()])
    if isinstance(value, list):
        return (type(value).__name__, [strict(v) for v in value])
    return (type(value).__name__, repr(value))


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def captured_warnings() -> Iterator[list[str]]:
    airbyte = logging.getLogger("airbyte")
    handler = _Capture()
    airbyte.addHandler(handler)
    try:
        yield handler.messages
    finally:
        airbyte.removeHandler(handler)


def outcome(transformer: TypeTransformer, record: Any, schema: Any) -> tuple[Any, Any, list[str]]:
    """(exception type or None, the record's final state, warnings logged)."""
    with captured_warnings() as messages:
        try:
            transformer.transform(record, schema)
            error = None
        except Exception as exc:  # the CDK's exceptions are part of its behaviour
            error = type(exc)
    return error, strict(record), messages


def first_warning_per_path(messages: list[str]) -> dict[str, tuple[str, str]]:
    """CDK warnings keyed like ours: array indices become '*'; the first one per path kept."""
    first: dict[str, tuple[str, str]] = {}
    for message in messages:
        match = WARNING.match(message)
        assert match, message
        structure, type_value, path = match.groups()
        key = ".".join("*" if part.isdigit() else part for part in path.split(".")) if path else ""
        first.setdefault(key, (structure, type_value))
    return first


def assert_same_as_cdk(record: Any, schema: Any) -> Any:
    """Run both on deep copies; the outcome, final record and warned paths must all agree."""
    coercion = SchemaCoercion()
    expected_error, expected, cdk_messages = outcome(CDK, copy.deepcopy(record), schema)
    ours = copy.deepcopy(record)
    error, actual, messages = outcome(coercion, ours, schema)
    assert error is expected_error
    assert actual == expected
    if coercion.compiled(schema).supported:
        # Once per path, with the CDK's wording for the first failure there.
        assert first_warning_per_path(messages) == first_warning_per_path(cdk_messages)
        assert sum(coercion.compiled(schema).failure_counts.values()) == len(cdk_messages)
    else:
        assert messages == cdk_messages
    return ours


# -- generated records, from the connectors' schema files ---------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_infinity=False)
    | st.text(max_size=8)
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
# Strings the CDK's int()/float()/strtobool() accept or reject in interesting ways.
CONVERTIBLE_STRINGS = st.sampled_from(
    ["12", " 7 ", "-3", "1.5", "1e3", "nan", "-inf", "1_000", "0x10", "\u0663", "", "abc"]
    + ["true", "False", " YES ", "off", "t", "n", "0", "1", "on", "maybe", "None"]
)
# Values that make int()/float() raise OverflowError, which the CDK does not catch.
OVERFLOWING = st.sampled_from([math.inf, -math.inf, 10**400, -(10**400)])


def _types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def value_strategy(schema: Mapping[str, Any], overflow: bool) -> st.SearchStrategy[Any]:
    """Right, wrong and convertible values for one subschema, recursing into its children."""
    options: list[st.SearchStrategy[Any]] = [ANY_JSON, CONVERTIBLE_STRINGS, JSON_SCALARS]
    if overflow:
        options.append(OVERFLOWING)
    right = {
        "string": st.text(max_size=8),
        "integer": st.integers(min_value=-(10**6), max_value=10**6),
        "number": st.floats(allow_infinity=False) | st.integers(-5, 5),
        "boolean": st.booleans(),
        "null": st.none(),
    }
    options.extend(right[t] for t in _types(schema) if t in right)
    if "properties" in schema:
        options.append(record_strategy(schema, overflow))
    if "items" in schema:
        element = value_strategy(schema["items"], overflow)
        options.append(st.lists(element, max_size=4))
    return st.one_of(options)


_RECORD_STRATEGIES: dict[tuple[int, bool], st.SearchStrategy[Any]] = {}


def record_strategy(schema: Mapping[str, Any], overflow: bool) -> st.SearchStrategy[Any]:
    key = (id(schema), overflow)
    if key not in _RECORD_STRATEGIES:
        optional = {
            name: value_strategy(sub, overflow) for name, sub in schema["properties"].items()
        }

        @st.composite
        def records(draw: st.DrawFn) -> dict[str, Any]:
            known = draw(st.fixed_dictionaries({}, optional=optional))
            extra = draw(
                st.dictionaries(st.text(max_size=3).map("x_".__add__), ANY_JSON, max_size=2)
            )
            merged = {**known, **extra}
            # Any key order: the result must not depend on it.
            order = draw(st.permutations(list(merged)))
            return {name: merged[name] for name in order}

        _RECORD_STRATEGIES[key] = records()
    return _RECORD_STRATEGIES[key]


EQUIVALENCE = settings(
    max_examples=60,
    # No example database: nothing is written into the checkout.
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_every_schema_file_compiles_without_falling_back_to_the_cdk(name: str) -> None:
    compiled = SchemaCoercion().compiled(SCHEMAS[name])
    assert compiled.supported, compiled.reason


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_generated_records_end_exactly_as_the_cdk_leaves_them(name: str) -> None:
    schema = SCHEMAS[name]

    @EQUIVALENCE
    @given(record_strategy(schema, overflow=False))
    def check(record: dict[str, Any]) -> None:
        assert_same_as_cdk(record, schema)

    check()


@pytest.mark.parametrize("name", ["source_freshdesk/tickets", "source_freshdesk/sla_policies"])
def test_overflowing_values_raise_like_the_cdk_and_leave_the_same_partial_record(name: str) -> None:
    schema = SCHEMAS[name]

    @EQUIVALENCE
    @given(record_strategy(schema, overflow=True))
    def check(record: dict[str, Any]) -> None:
        assert_same_as_cdk(record, schema)

    check()


def test_one_shared_instance_gives_the_cdk_result_record_after_record() -> None:
    """The cached, already-warned state must not change later records' results."""
    schema = SCHEMAS["source_freshdesk/tickets"]
    coercion = SchemaCoercion()

    @EQUIVALENCE
    @given(record_strategy(schema, overflow=False))
    def check(record: dict[str, Any]) -> None:
        expected = copy.deepcopy(record)
        CDK.transform(expected, schema)
        coercion.transform(record, schema)
        assert strict(record) == strict(expected)

    check()


# -- one rule at a time ---------------------------------------------------------------------------


def _single(node: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"v": node}}


RULES = [
    # string: str() of anything, None included unless the type is nullable.
    ({"type": "string"}, 5, "5"),
    ({"type": "string"}, 1.5, "1.5"),
    ({"type": "string"}, True, "True"),
    ({"type": "string"}, None, "None"),
    ({"type": ["null", "string"]}, None, None),
    ({"type": ["null", "string"]}, 7, "7"),
    ({"type": "string"}, {"a": 1}, "{'a': 1}"),
    ({"type": "string"}, [1, "x"], "[1, 'x']"),
    # integer: int(), so floats truncate, bools count, numeric strings parse.
    ({"type": ["null", "integer"]}, "12", 12),
    ({"type": "integer"}, " 7 ", 7),
    ({"type": "integer"}, "1_000", 1000),
    ({"type": "integer"}, 1.9, 1),
    ({"type": "integer"}, True, 1),
    ({"type": "integer"}, "1.5", "1.5"),
    ({"type": "integer"}, "abc", "abc"),
    ({"type": "integer"}, math.nan, math.nan),
    ({"type": "integer"}, None, None),
    ({"type": "integer"}, [1], [1]),
    # number: float(), so ints and bools become floats.
    ({"type": ["null", "number"]}, 3, 3.0),
    ({"type": "number"}, "1.5", 1.5),
    ({"type": "number"}, " nan ", math.nan),
    ({"type": "number"}, True, 1.0),
    ({"type": "number"}, "abc", "abc"),
    ({"type": "number"}, None, None),
    # boolean: strtobool for strings, bool() for the rest, None -> False unless nullable.
    ({"type": "boolean"}, "yes", True),
    ({"type": "boolean"}, " OFF ", False),
    ({"type": "boolean"}, "1", True),
    ({"type": "boolean"}, "maybe", "maybe"),
    ({"type": "boolean"}, 0, False),
    ({"type": "boolean"}, 2, True),
    ({"type": "boolean"}, [], False),
    ({"type": "boolean"}, None, False),
    ({"type": ["null", "boolean"]}, None, None),
    # array: scalars are wrapped when items' types are simple; elements are then converted.
    ({"type": ["null", "array"], "items": {"type": ["null", "integer"]}}, "5", [5]),
    ({"type": "array", "items": {"type": ["null", "integer"]}}, None, [None]),
    ({"type": ["null", "array"], "items": {"type": ["null", "integer"]}}, None, None),
    ({"type": "array", "items": {"type": ["null", "integer"]}}, ["1", 2.5, "x"], [1, 2, "x"]),
    ({"type": "array", "items": {"type": ["null", "integer"]}}, {"a": 1}, {"a": 1}),
    ({"type": "array"}, "x", ["x"]),
    # The CDK splits a string items.type into characters, so this never wraps.
    ({"type": "array", "items": {"type": "string"}}, "x", "x"),
    ({"type": "array", "items": {"type": "string"}}, ["a", 1], ["a", "1"]),
    ({"type": "array", "items": {"type": ["null", "object"]}}, "x", "x"),
    (
        {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"}}}},
        [{"n": "1"}, "x", {"m": "2"}],
        [{"n": 1}, "x", {"m": "2"}],
    ),
    # Several non-null types, "object", "null" or no type at all: nothing is converted.
    ({"type": ["null", "string", "integer"]}, 1.5, 1.5),
    ({"type": ["null", "boolean", "string"]}, 3, 3),
    ({"type": ["null", "object"]}, "x", "x"),
    ({"type": "null"}, 1, 1),
    ({"description": "anything"}, "5", "5"),
    # Keywords the CDK does not act on stay inert.
    ({"anyOf": [{"type": "integer"}]}, "5", "5"),
    ({"oneOf": [{"type": "integer"}, {"type": "null"}]}, "5", "5"),
    ({"type": "string", "format": "date-time"}, 5, "5"),
    # Nested objects: properties apply with or without a declared type.
    ({"properties": {"n": {"type": "integer"}}}, {"n": "3"}, {"n": 3}),
    ({"type": "object", "properties": {"n": {"type": "integer"}}}, {"m": "3"}, {"m": "3"}),
    ({"type": "string", "properties": {"n": {"type": "integer"}}}, {"n": "3"}, "{'n': '3'}"),
]


@pytest.mark.parametrize("node, value, expected", RULES, ids=[f"{n}-{v!r}" for n, v, _ in RULES])
def test_each_conversion_rule_matches_the_cdk(
    node: dict[str, Any], value: Any, expected: Any
) -> None:
    schema = _single(node)
    result = assert_same_as_cdk({"v": value}, schema)
    assert strict(result) == strict({"v": expected})


def test_properties_outside_the_schema_are_untouched_even_under_additional_properties() -> None:
    schema = {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "properties": {"id": {"type": "integer"}},
    }
    result = assert_same_as_cdk({"id": "1", "other": "2", "deep": {"id": "3"}}, schema)
    assert result == {"id": 1, "other": "2", "deep": {"id": "3"}}


def test_a_property_sharing_an_object_with_another_is_converted_in_the_cdk_order() -> None:
    """The CDK converts every property of a dict before descending into any of them."""
    shared = {"n": 1}
    schema = {
        "type": "object",
        "properties": {
            "obj": {"type": "object", "properties": {"n": {"type": "string"}}},
            "text": {"type": "string"},
        },
    }
    ours = {"obj": shared, "text": shared}
    SchemaCoercion().transform(ours, schema)
    expected_shared = {"n": 1}
    expected = {"obj": expected_shared, "text": expected_shared}
    CDK.transform(expected, schema)
    # str() ran before the descent into "obj" turned n into "1".
    assert ours == expected == {"obj": {"n": "1"}, "text": "{'n': 1}"}


def test_dict_and_list_subclasses_are_walked_like_the_cdk_walks_them() -> None:
    schema = {
        "type": "object",
        "properties": {
            "o": {"type": "object", "properties": {"n": {"type": "integer"}}},
            "a": {"type": "array", "items": {"type": "integer"}},
        },
    }

    class Items(list):  # type: ignore[type-arg]
        pass

    record = OrderedDict(o=OrderedDict(n="1"), a=Items(["2", "x"]))
    expected = copy.deepcopy(record)
    CDK.transform(expected, schema)
    SchemaCoercion().transform(record, schema)
    assert strict(record) == strict(expected)
    assert record == {"o": {"n": 1}, "a": [2, "x"]}


@pytest.mark.parametrize(
    "node, value, error",
    [
        ({"type": "integer"}, math.inf, OverflowError),
        ({"type": ["null", "integer"]}, -math.inf, OverflowError),
        ({"type": "number"}, 10**400, OverflowError),
        # The CDK's warning cannot describe a non-JSON value and raises KeyError building it.
        ({"type": ["null", "object"]}, datetime(2024, 1, 1), KeyError),
        ({"type": "array", "items": {"type": "string"}}, (1, 2), KeyError),
    ],
)
def test_values_that_make_the_cdk_raise_make_it_raise_too(
    node: dict[str, Any], value: Any, error: type[Exception]
) -> None:
    schema = {
        "type": "object",
        "properties": {"before": {"type": "integer"}, "v": node, "after": {"type": "integer"}},
    }
    record = {"before": "1", "v": value, "after": "2"}
    with pytest.raises(error):
        SchemaCoercion().transform(copy.deepcopy(record), schema)
    assert_same_as_cdk(record, schema)


def test_non_json_values_that_convert_cleanly_do_not_raise() -> None:
    schema = _single({"type": "string"})
    result = assert_same_as_cdk({"v": datetime(2024, 1, 2)}, schema)
    assert result == {"v": "2024-01-02 00:00:00"}


def test_the_record_itself_is_never_converted_only_its_properties() -> None:
    schema = {"type": "string", "properties": {"n": {"type": "integer"}}}
    result = assert_same_as_cdk({"n": "5"}, schema)
    assert result == {"n": 5}
    assert_same_as_cdk(["not", "a", "dict"], {"type": "array", "items": {"type": "integer"}})


# -- schemas left to the CDK ----------------------------------------------------------------------

SELF_REFERENCING: dict[str, Any] = {"type": "object", "properties": {}}
SELF_REFERENCING["properties"]["child"] = SELF_REFERENCING

UNSUPPORTED = {
    "$ref": {
        "definitions": {"n": {"type": "integer"}, "o": {"properties": {"n": {"type": "integer"}}}},
        "properties": {"a": {"$ref": "#/definitions/n"}, "b": {"$ref": "#/definitions/o"}},
    },
    "boolean subschema": {"properties": {"a": True, "b": {"type": "integer"}}},
    "tuple items": {"properties": {"a": {"type": "array", "items": [{"type": "integer"}]}}},
    "unknown type": {"properties": {"a": {"type": ["null", "datetime"]}}},
    "self-referencing": SELF_REFERENCING,
}


@pytest.mark.parametrize("shape", list(UNSUPPORTED))
def test_schema_shapes_the_compiler_does_not_model_are_left_to_the_cdk(shape: str) -> None:
    schema = UNSUPPORTED[shape]
    compiled = SchemaCoercion().compiled(schema)
    assert not compiled.supported
    assert compiled.reason
    for record in (
        {"a": "1", "b": {"n": "2"}},
        {"a": [1, "2"], "b": "3"},
        {"child": {"child": {}}},
    ):
        assert_same_as_cdk(record, schema)


# -- warnings, caching, CDK integration ---------------------------------------------------------


def test_an_unconvertible_value_is_logged_once_per_path_and_every_one_is_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    schema = {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "integer"}},
            "n": {"type": "integer"},
        },
    }
    coercion = SchemaCoercion()
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        for _ in range(3):
            coercion.transform({"tags": ["a", "b", "1"], "n": "x"}, schema)
    messages = [r.getMessage() for r in caplog.records if r.name == "airbyte"]
    assert len(messages) == 2
    assert "at path: 'tags.*'" in messages[0] and "to type 'integer'" in messages[0]
    assert "at path: 'n'" in messages[1]
    assert coercion.compiled(schema).failure_counts == {"tags.*": 6, "n": 3}


def test_the_same_schema_object_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    roots: list[Any] = []
    compile_node = SchemaCoercion._compile

    def counting(self: SchemaCoercion, schema: Any, path: str, *args: Any, **kwargs: Any) -> Any:
        if path == "":
            roots.append(schema)
        return compile_node(self, schema, path, *args, **kwargs)

    monkeypatch.setattr(SchemaCoercion, "_compile", counting)
    coercion = SchemaCoercion()
    schema = SCHEMAS["source_freshdesk/contacts"]
    for _ in range(5):
        coercion.transform({"id": "1", "name": 2}, schema)
    assert roots == [schema]
    assert coercion.compiled(schema) is coercion.compiled(schema)
    # An equal but distinct object is a different cache entry (the key is the object's id).
    coercion.transform({"id": "1"}, copy.deepcopy(schema))
    assert len(roots) == 2


def test_the_cache_is_bounded_and_holds_the_schemas_it_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(record_coercion, "MAX_CACHED_SCHEMAS", 2)
    coercion = SchemaCoercion()
    schemas = [_single({"type": "integer"}) for _ in range(3)]
    for schema in schemas:
        record = {"v": "1"}
        coercion.transform(record, schema)
        assert record == {"v": 1}
    assert len(coercion._cache) == 2
    assert {id(entry.schema) for entry in coercion._cache.values()} == {id(s) for s in schemas[1:]}


def test_it_is_a_transformer_the_cdk_accepts() -> None:
    coercion = SchemaCoercion()
    assert isinstance(coercion, TypeTransformer)
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    message = stream_data_to_airbyte_message("tickets", {"id": "7"}, coercion, schema)
    assert message.record is not None and message.record.data == {"id": 7}
    # Custom normalizers need CustomSchemaNormalization, which this transformer does not have.
    with pytest.raises(Exception, match="CustomSchemaNormalization"):
        coercion.registerCustomTransform(lambda value, _schema: value)
