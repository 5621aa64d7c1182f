"""Each source's spec.json and its config model hold the same defaults, bounds and enums.

The spec is what the platform shows and validates against; the model is what the source enforces
(and what tests and in-process callers go through). Every key of every spec is compared, so a key
added to either side is covered without touching this file: a spec key the model does not hold
under its own name must be listed in RENAMED with the field that holds it.
"""

from __future__ import annotations

import typing
from typing import Any

import annotated_types
import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from connector_common.input_files import package_connection_specification
from source_freshdesk.config import _RawConfig as FreshdeskInput
from source_talkdesk_explore.config import REGION_API_URLS, TalkdeskConfig

# The model that validates each source's raw config keys.
MODELS: dict[str, type[BaseModel]] = {
    "source_freshdesk": FreshdeskInput,
    "source_talkdesk_explore": TalkdeskConfig,
}
# Spec keys that from_mapping turns into another field (None: into none of its own).
RENAMED: dict[tuple[str, str], str | None] = {
    ("source_talkdesk_explore", "auth_url"): "token_url",
    # 0.1.0's "client_id:client_secret", split into those two fields.
    ("source_talkdesk_explore", "api_key"): None,
}
# Allowed values that from_mapping checks itself because it needs them before the model exists.
CHECKED_BY_FROM_MAPPING: dict[tuple[str, str], set[Any]] = {
    ("source_talkdesk_explore", "region"): set(REGION_API_URLS),
}

SPEC_KEYS = [
    (package, key)
    for package in MODELS
    for key in package_connection_specification(package)["properties"]
]


def model_field(package: str, key: str) -> FieldInfo | None:
    name = RENAMED.get((package, key), key)
    return None if name is None else MODELS[package].model_fields[name]


def bound(field: FieldInfo, kind: type) -> Any:
    """The ge/le the field enforces, however it was declared (Field(...) or Annotated)."""
    found = [
        getattr(item, kind.__name__.lower()) for item in field.metadata if isinstance(item, kind)
    ]
    return found[0] if found else None


def default(field: FieldInfo) -> Any:
    """The field's default; required fields, None and empty collections all mean "none"."""
    value = field.default
    return None if value is PydanticUndefined or value in ((), []) else value


def enum(package: str, key: str, field: FieldInfo) -> set[Any] | None:
    """The values the field accepts when it accepts only some: a Literal, maybe Optional."""
    if (package, key) in CHECKED_BY_FROM_MAPPING:
        return CHECKED_BY_FROM_MAPPING[package, key]
    for annotation in (field.annotation, *typing.get_args(field.annotation)):
        if typing.get_origin(annotation) is typing.Literal:
            return set(typing.get_args(annotation))
    return None


@pytest.mark.parametrize(("package", "key"), SPEC_KEYS, ids=[f"{p}.{k}" for p, k in SPEC_KEYS])
def test_spec_and_model_agree_on_default_bounds_and_enum(package: str, key: str) -> None:
    prop = package_connection_specification(package)["properties"][key]
    field = model_field(package, key)
    if field is None:
        assert not {"default", "minimum", "maximum", "enum"} & set(prop), (
            f"{key} has constraints in the spec but no model field enforces them"
        )
        return
    assert default(field) == prop.get("default"), "default"
    assert bound(field, annotated_types.Ge) == prop.get("minimum"), "minimum"
    assert bound(field, annotated_types.Le) == prop.get("maximum"), "maximum"
    spec_enum = set(prop["enum"]) if "enum" in prop else None
    assert enum(package, key, field) == spec_enum, "enum"


@pytest.mark.parametrize("package", list(MODELS))
def test_every_renamed_or_checked_key_is_still_in_the_spec(package: str) -> None:
    # A stale entry here would exempt nothing and hide a removed key.
    keys = set(package_connection_specification(package)["properties"])
    listed = {key for source, key in [*RENAMED, *CHECKED_BY_FROM_MAPPING] if source == package}
    assert listed <= keys
