"""Record coercion compiled per schema: the CDK's default normalization without its per-record cost.

``TypeTransformer(TransformConfig.DefaultSchemaNormalization).transform(record, schema)`` builds a
jsonschema validator for every record and walks the schema through generator-based keyword
callbacks. That walk cost about a third of a zero-latency sync's CPU. `SchemaCoercion` compiles
each schema once into a tree of small closures and then only looks at the record's values, with a
fast path that does nothing when a value's Python type already is the declared one.

Semantics are the CDK's (airbyte_cdk/sources/utils/transform.py and the jsonschema keywords it
reuses), value for value, including its oddities:

* Only ``type``, ``properties`` and ``items`` are acted on. ``additionalProperties``,
  ``anyOf``/``oneOf``/``allOf``, ``patternProperties`` and ``format`` are ignored, as the CDK
  ignores them; properties that are not in ``properties`` are never touched.
* A value is converted only when its ``type`` names exactly one non-null type:
  ``["null", "string", "array"]`` converts nothing.
* ``string``: ``str(value)`` for anything that is not ``None`` under a nullable type, so
  ``None`` under a plain ``"string"`` becomes ``"None"``, ``True`` becomes ``"True"`` and a dict
  becomes its ``repr``.
* ``number``: ``float(value)``: ints and bools become floats, ``"1_000"`` and ``" nan "`` parse.
* ``integer``: ``int(value)``: floats are truncated (``1.9`` -> ``1``), bools become ``0``/``1``.
* ``boolean``: strings go through the CDK's ``strtobool`` (``"yes"``, ``"off"``...); anything
  else through ``bool()``, so ``None`` under a plain ``"boolean"`` becomes ``False``.
* ``array``: a scalar (exact ``str``/``int``/``float``/``bool``/``None``) is wrapped in a list,
  but only if every type named by ``items.type`` is a simple type; a string ``items.type`` is
  split into characters by the CDK (``set("string")``), so ``{"items": {"type": "string"}}``
  never wraps while ``{"items": {"type": ["null", "string"]}}`` does.
* A ``ValueError``/``TypeError`` during a conversion leaves the value as it was. Anything else
  propagates, as in the CDK: ``int(float("inf"))`` and ``float(10**400)`` raise
  ``OverflowError`` (both are reachable from JSON: ``1e400`` parses to ``inf``).
* Each dict is processed like the CDK does it: first every property present is converted, in
  schema order, then each one is descended into, in schema order, and within a subschema the
  keywords run in the subschema's own key order. So even records that share objects between
  properties, or that make the CDK raise half way, end in the same state.

Values that still do not match their type after conversion are left as they are. The CDK logs a
warning for every such value, which floods the log when an API changes a field's type. Here the
warning (same wording, with the schema path, array indices shown as ``*``) is logged once per
schema path per compiled schema; `CompiledSchema.failure_counts` keeps counting every occurrence.
The type structure the CDK puts in that message is still computed for every failing value,
because building it raises ``KeyError`` for non-JSON Python values (a ``datetime``, a ``tuple``)
and the CDK's transform raises with it.

Schemas with shapes the compiler does not model (``$ref``, a non-string ``$id``, boolean or
non-mapping subschemas, tuple ``items``, type names jsonschema does not know, self-referencing
schema objects) are handed to the CDK's own implementation, so the result stays the CDK's;
`CompiledSchema.reason` says why.

Two things are not reproduced, neither reachable from parsed JSON: a record that contains itself
(the CDK's outcome depends on how deep its generators recurse before Python stops it), and the
exact nesting depth at which ``RecursionError`` is raised (this walk uses fewer frames per level).

The compiled tree is cached by ``id(schema)`` and the cache keeps a reference to the schema, so the
id cannot be reused by another object while the entry lives. The schema is therefore read once:
mutating a schema after its first use is not seen. Callers must pass the same schema object for
every record (the CDK asks ``stream.get_json_schema()`` once per record; a stream should return a
cached object, as FreshdeskStream does); a fresh schema per record would recompile every time.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from airbyte_cdk.sources.utils.transform import (
    TransformConfig,
    TypeTransformer,
    json_to_python_simple,
)
from jsonschema import Draft202012Validator

# What the CDK's string-to-boolean conversion accepts (distutils' strtobool); anything else stays.
_TRUE_WORDS = frozenset({"y", "yes", "t", "true", "on", "1"})
_FALSE_WORDS = frozenset({"n", "no", "f", "false", "off", "0"})


def _truth_of(text: str) -> bool:
    word = text.lower().strip()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"not a truth value: {text!r}")


# The CDK logs its transform warnings here; keep them in the same place.
logger = logging.getLogger("airbyte")

# A compiled schema per schema object; beyond this, the oldest entry is dropped so a caller that
# builds a fresh schema per record cannot grow the cache without bound.
MAX_CACHED_SCHEMAS = 256

# The type names jsonschema's type checker knows; any other makes the CDK raise UnknownType
# when it checks a value against it, so such schemas go to the CDK implementation.
_KNOWN_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})

# Exact Python types the CDK wraps in a list under an array type (`type(x) in ...values()`).
_SIMPLE_PYTHON_TYPES = frozenset(json_to_python_simple.values())

# For each exact Python type, the JSON types every value of that exact type satisfies under
# jsonschema's draft 7 type checker (floats only satisfy "integer" when integral, so not listed).
_ALWAYS_SATISFIES: dict[type, frozenset[str]] = {
    str: frozenset({"string"}),
    int: frozenset({"integer", "number"}),
    float: frozenset({"number"}),
    bool: frozenset({"boolean"}),
    type(None): frozenset({"null"}),
    dict: frozenset({"object"}),
    list: frozenset({"array"}),
}

# The exact Python type a CDK conversion returns unchanged (str(s) is s, int(i) is i, ...).
_IDENTITY_TYPE: dict[str, type] = {"string": str, "number": float, "integer": int, "boolean": bool}


class _Missing:
    """Type of the marker `dict.get` returns for an absent property; every fast set holds it."""


_MISSING = _Missing()

Converter = Callable[[Any], Any]
Walker = Callable[[Any], None]


class _Unsupported(Exception):
    """A schema shape the compiler does not model; the CDK implementation handles that schema."""


class _Node:
    """One compiled subschema. Its parent reads these attributes once, into its own closures.

    fast:     exact Python types whose values need nothing at this node: the conversion returns
              them unchanged and they pass the type check. None when the node has no "type".
    convert:  the CDK's default_convert for this node, or None when it is the identity.
    check:    jsonschema's type check for this node (slow path only), or None without "type".
    descend:  everything the CDK does when it descends into a value at this node, keywords in
              schema order: the type check (a failure is reported) and the properties/items walks.
    walk_properties / walk_items: the walks for a dict / list value, when the node has them.
    """

    __slots__ = ("check", "convert", "descend", "fast", "walk_items", "walk_properties")

    def __init__(self) -> None:
        self.fast: frozenset[type] | None = None
        self.convert: Converter | None = None
        self.check: Callable[[Any], bool] | None = None
        self.descend: Walker = _nothing
        self.walk_properties: Walker | None = None
        self.walk_items: Walker | None = None

    @property
    def structural(self) -> bool:
        return self.walk_properties is not None or self.walk_items is not None


def _nothing(_value: Any) -> None:
    return None


class CompiledSchema:
    """A schema compiled once, or the reason it is left to the CDK (`supported` is False)."""

    __slots__ = ("failure_counts", "reason", "root", "schema", "warned_paths")

    def __init__(self, schema: Any) -> None:
        # Held so id(schema), the cache key, cannot be reused while this entry lives.
        self.schema = schema
        self.root: _Node | None = None
        self.reason: str | None = None
        # Schema paths whose failures were logged once already, and how often each path failed.
        self.warned_paths: set[str] = set()
        self.failure_counts: Counter[str] = Counter()

    @property
    def supported(self) -> bool:
        return self.root is not None


class SchemaCoercion(TypeTransformer):
    """Drop-in for ``TypeTransformer(TransformConfig.DefaultSchemaNormalization)``, compiled.

    ``transform(record, schema)`` mutates ``record`` in place exactly as the CDK's default
    normalization does (see the module docstring for the rules and the CDK quirks kept on
    purpose). Unconvertible values are left as they are and logged once per schema path per
    schema, not once per value; ``compiled(schema).failure_counts`` has the full counts.
    Thread-safe: streams may share one instance (as a class attribute) across worker threads.
    """

    def __init__(self) -> None:
        # The CDK's own machinery stays available for the schemas handed back to it.
        super().__init__(TransformConfig.DefaultSchemaNormalization)
        self._cache: dict[int, CompiledSchema] = {}
        self._lock = threading.Lock()
        # The CDK's normalizer is built by jsonschema's `validators.create` without a type checker
        # of its own, so it checks "type" with jsonschema's default, the 2020-12 one.
        self._is_type: Callable[[Any, str], bool] = Draft202012Validator.TYPE_CHECKER.is_type

    def transform(self, record: dict[str, Any], schema: Mapping[str, Any]) -> None:
        """Normalize ``record`` in place against ``schema``, with the CDK's exact result."""
        compiled = self._cache.get(id(schema))
        if compiled is None or compiled.schema is not schema:
            compiled = self.compiled(schema)
        root = compiled.root
        if root is None:
            super().transform(record, schema)
        else:
            root.descend(record)

    def compiled(self, schema: Mapping[str, Any]) -> CompiledSchema:
        """The cached compilation of this schema object, compiling it on first use."""
        key = id(schema)
        compiled = self._cache.get(key)
        if compiled is not None and compiled.schema is schema:
            return compiled
        with self._lock:
            compiled = self._cache.get(key)
            if compiled is not None and compiled.schema is schema:
                return compiled
            compiled = CompiledSchema(schema)
            try:
                if not isinstance(schema, Mapping):
                    raise _Unsupported("the schema is not a mapping")
                compiled.root = self._compile(schema, "", compiled, ancestors=())
            except _Unsupported as unsupported:
                compiled.reason = str(unsupported)
            while len(self._cache) >= MAX_CACHED_SCHEMAS:
                # Oldest first: dicts keep insertion order.
                del self._cache[next(iter(self._cache))]
            self._cache[key] = compiled
            return compiled

    # -- compilation ------------------------------------------------------------------------

    def _compile(
        self,
        schema: Mapping[str, Any],
        path: str,
        compiled: CompiledSchema,
        ancestors: tuple[int, ...],
    ) -> _Node:
        if id(schema) in ancestors:
            # A schema object nested in itself: compiling it would never end.
            raise _Unsupported(f"the schema at '{path}' contains itself")
        ancestors = (*ancestors, id(schema))
        if "$ref" in schema:
            raise _Unsupported(f"'$ref' at '{path}'")
        if "$id" in schema and not isinstance(schema["$id"], str):
            # jsonschema reads "$id" as a string whenever it enters a subschema.
            raise _Unsupported(f"'$id' at '{path}' is not a string")

        node = _Node()
        steps: list[Walker] = []
        # Keywords in the subschema's own order, the order jsonschema applies them in.
        for keyword, value in schema.items():
            if keyword == "type":
                steps.append(self._compile_type(node, schema, value, path, compiled))
            elif keyword == "properties":
                if not isinstance(value, Mapping):
                    raise _Unsupported(f"'properties' at '{path}' is not a mapping")
                children: list[tuple[Any, _Node]] = []
                for name, subschema in value.items():
                    if not isinstance(subschema, Mapping):
                        raise _Unsupported(f"the subschema at '{path}.{name}' is not a mapping")
                    child_path = f"{path}.{name}" if path else str(name)
                    children.append(
                        (name, self._compile(subschema, child_path, compiled, ancestors))
                    )
                node.walk_properties = _properties_walker(children)
                steps.append(_if_dict(node.walk_properties))
            elif keyword == "items":
                if not isinstance(value, Mapping):
                    raise _Unsupported(f"'items' at '{path}' is not a mapping")
                child_path = f"{path}.*" if path else "*"
                node.walk_items = _items_walker(
                    self._compile(value, child_path, compiled, ancestors)
                )
                steps.append(_if_list(node.walk_items))
        node.descend = _sequence(steps)
        return node

    def _compile_type(
        self,
        node: _Node,
        schema: Mapping[str, Any],
        type_value: Any,
        path: str,
        compiled: CompiledSchema,
    ) -> Walker:
        """Fill node.fast/convert/check from "type"; return the type-check step for descend."""
        if isinstance(type_value, str):
            types = [type_value]
        elif isinstance(type_value, list) and all(isinstance(t, str) for t in type_value):
            types = list(type_value)
        else:
            raise _Unsupported(f"'type' at '{path}' is neither a string nor a list of strings")
        unknown = set(types) - _KNOWN_TYPES
        if unknown:
            raise _Unsupported(f"unknown type {sorted(unknown)} at '{path}'")

        # default_convert's resolution of the target, evaluated once instead of per value.
        # `in` on a string type is a substring test in the CDK; with known names that is `==`.
        nullable = "null" in type_value
        if isinstance(type_value, list):
            non_null = [t for t in type_value if t != "null"]
            target = non_null[0] if len(non_null) == 1 else None
        else:
            target = type_value
        node.convert, identity_types = _converter(target, nullable, schema)

        satisfied = set(types)
        node.fast = frozenset(
            {
                python_type
                for python_type, json_types in _ALWAYS_SATISFIES.items()
                if json_types & satisfied
                and (identity_types is None or python_type in identity_types)
            }
            | {_Missing}
        )
        fast = node.fast
        is_type = self._is_type

        def check(value: Any) -> bool:
            return type(value) in fast or any(is_type(value, t) for t in types)

        node.check = check
        report = self._reporter(path, type_value, compiled)

        def type_step(value: Any) -> None:
            if type(value) not in fast and not check(value):
                report(value)

        return type_step

    def _reporter(self, path: str, type_value: Any, compiled: CompiledSchema) -> Walker:
        warned = compiled.warned_paths
        counts = compiled.failure_counts
        describe = _type_structure

        def report(value: Any) -> None:
            # Built for every failure, logged or not: it raises KeyError for non-JSON Python
            # values, and so does the CDK's transform.
            structure = describe(value)
            counts[path] += 1
            if path not in warned:
                warned.add(path)
                logger.warning(
                    f"Failed to transform value from type '{structure}' to type '{type_value}' "
                    f"at path: '{path}' (logged once per path; later failures there are counted)"
                )

        return report


# The JSON type the CDK's warning names for a value's exact Python type; no other type has one.
_JSON_TYPE_NAMES: dict[type, str] = {
    str: "string",
    float: "number",
    int: "integer",
    bool: "boolean",
    type(None): "null",
    dict: "object",
    list: "array",
}
# How deep the CDK's warning describes nested objects before naming them "object".
_STRUCTURE_DEPTH = 3


def _type_structure(value: Any, depth: int = 0) -> Any:
    """The type structure the CDK's warning shows (`TypeTransformer`'s own, which is private):
    "null", a JSON type name, or for a dict its keys' structures three levels deep. Raises
    KeyError for a value of no JSON type (a datetime, a tuple), as the CDK's does."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        if depth >= _STRUCTURE_DEPTH:
            return "object"
        return {key: _type_structure(item, depth + 1) for key, item in value.items()}
    return _JSON_TYPE_NAMES[type(value)]


# -- converters ---------------------------------------------------------------------------------


def _converter(
    target: Any, nullable: bool, schema: Mapping[str, Any]
) -> tuple[Converter | None, frozenset[type] | None]:
    """The node's default_convert, and the exact types it returns unchanged (None: all of them).

    Called only on the slow path, for values whose type is not already in the node's fast set.
    """
    if target in _IDENTITY_TYPE:
        cast = {"string": str, "number": float, "integer": int}.get(target)
        identity = frozenset({_IDENTITY_TYPE[target]} | ({type(None)} if nullable else set()))
        if cast is not None:

            def to_scalar(value: Any) -> Any:
                if value is None and nullable:
                    return None
                try:
                    return cast(value)
                except (ValueError, TypeError):  # the CDK catches these two only
                    return value

            return to_scalar, identity

        def to_boolean(value: Any) -> Any:
            if value is None and nullable:
                return None
            try:
                if isinstance(value, str):
                    return _truth_of(value)
                return bool(value)
            except (ValueError, TypeError):
                return value

        return to_boolean, identity

    if target == "array":
        items = schema.get("items", {})
        if not isinstance(items, Mapping):
            raise _Unsupported("'items' is not a mapping")
        try:
            # The CDK's test, quirks included: a string items.type is a set of its characters.
            item_types = set(items.get("type", set()))
        except TypeError as error:
            raise _Unsupported("'items.type' is not a list of type names") from error
        if not item_types.issubset(json_to_python_simple):
            return None, None

        def to_array(value: Any) -> Any:
            if value is None and nullable:
                return None
            if type(value) in _SIMPLE_PYTHON_TYPES:
                return [value]
            return value

        non_simple = frozenset(_ALWAYS_SATISFIES) - _SIMPLE_PYTHON_TYPES
        return to_array, non_simple | ({type(None)} if nullable else frozenset())

    # "object", "null" or several non-null types: the CDK returns the value as it is.
    return None, None


# -- walkers ------------------------------------------------------------------------------------


def _sequence(steps: list[Walker]) -> Walker:
    if not steps:
        return _nothing
    if len(steps) == 1:
        return steps[0]
    frozen = tuple(steps)

    def run(value: Any) -> None:
        for step in frozen:
            step(value)

    return run


def _if_dict(walk: Walker) -> Walker:
    # The CDK's properties keyword acts on dicts only (isinstance, so subclasses too).
    def step(value: Any) -> None:
        if isinstance(value, dict):
            walk(value)

    return step


def _if_list(walk: Walker) -> Walker:
    def step(value: Any) -> None:
        if isinstance(value, list):
            walk(value)

    return step


def _properties_walker(children: list[tuple[Any, _Node]]) -> Walker:
    """What the CDK's "properties" keyword does to a dict: convert every property, then descend."""
    # Conversion pass: only children with a "type" can change or fail.
    # Pairs only: unpacking fewer items per property is measurably cheaper on the hot loop; the
    # converter and check are looked up by name on the slow path.
    typed = tuple((name, child.fast) for name, child in children if child.fast is not None)
    # A node with `fast` always has a type and so a check; the filter says so to the type checker.
    slow = {
        name: (child.convert, child.check)
        for name, child in children
        if child.fast is not None and child.check is not None
    }
    # Descent pass when nothing failed: only children with properties/items have work to do.
    structural = tuple(
        (name, child.walk_properties, child.walk_items)
        for name, child in children
        if child.structural
    )
    # Descent pass after a failure, and the whole walk for dict subclasses: every child, fully.
    everything = tuple((name, child.convert, child.descend) for name, child in children)

    def generic(record: dict[Any, Any]) -> None:
        # Literally the CDK's loops, for dict subclasses that may override `in`, [] or []=.
        for name, convert, _ in everything:
            if name in record:
                value = record[name]
                record[name] = value if convert is None else convert(value)
        for name, _, descend in everything:
            if name in record:
                descend(record[name])

    def walk(record: dict[Any, Any]) -> None:
        if type(record) is not dict:
            generic(record)
            return
        get = record.get
        failed = False
        for name, fast in typed:
            value = get(name, _MISSING)
            if type(value) in fast:  # the common case: already the declared type, or absent
                continue
            convert, check = slow[name]
            if convert is not None:
                converted = convert(value)
                if converted is not value:
                    record[name] = converted
                    value = converted
            if not check(value):
                failed = True
        if failed:
            for name, _, descend in everything:
                if name in record:
                    descend(record[name])
            return
        for name, walk_properties, walk_items in structural:
            value = get(name)
            if value is None:
                continue
            if walk_properties is not None and isinstance(value, dict):
                walk_properties(value)
            elif walk_items is not None and isinstance(value, list):
                walk_items(value)

    return walk


def _items_walker(child: _Node) -> Walker:
    """What the CDK's "items" keyword does to a list: convert every element, then descend."""
    fast, convert, check, descend = child.fast, child.convert, child.check, child.descend
    walk_properties, walk_items = child.walk_properties, child.walk_items
    structural = child.structural

    def generic(items: list[Any]) -> None:
        # Literally the CDK's loops, for list subclasses that may override iteration or []=.
        for index, value in enumerate(items):
            items[index] = value if convert is None else convert(value)
        for value in items:
            descend(value)

    def walk(items: list[Any]) -> None:
        if type(items) is not list:
            generic(items)
            return
        failed = False
        if fast is not None and check is not None:
            for index, value in enumerate(items):
                if type(value) in fast:
                    continue
                if convert is not None:
                    converted = convert(value)
                    if converted is not value:
                        items[index] = converted
                        value = converted
                if not check(value):
                    failed = True
        if failed:
            for value in items:
                descend(value)
        elif structural:
            for value in items:
                if walk_properties is not None and isinstance(value, dict):
                    walk_properties(value)
                elif walk_items is not None and isinstance(value, list):
                    walk_items(value)

    return walk
