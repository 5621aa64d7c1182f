"""The config, state and catalog files a source is started with, read the same way by both sources.

The CDK reads them with a bare `json.loads` and its serializers, so a file that is missing, not
JSON, or JSON of the wrong shape ends as a system_error ("Something went wrong in the connector")
with the reason only in the internal message. Here every such problem is a config_error whose
message names the file and says what is wrong with it, and whose text never carries a secret.

The sources plug this in through the CDK's public `read_config` / `read_state` / `read_catalog`
overrides; each source passes what only it knows (its spec, its stream names, how to check a saved
cursor) as plain arguments.
"""

from __future__ import annotations

import json
import pkgutil
from collections.abc import Mapping, MutableMapping
from importlib import resources
from typing import Any

import jsonschema
from airbyte_cdk.models import (
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    FailureType,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

_STATE_TYPES = ("STREAM", "GLOBAL", "LEGACY")


class InputFileError(AirbyteTracedException):
    """A config, state or catalog file the source cannot use: always a config_error."""


def input_file_error(message: str) -> InputFileError:
    return InputFileError(
        message=message, internal_message=message, failure_type=FailureType.config_error
    )


def read_json_file(path: str, kind: str) -> Any:
    """The parsed content of `path`; `kind` ("config file", ...) opens every error message."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise input_file_error(f"{kind} {path} does not exist.") from None
    except IsADirectoryError:
        raise input_file_error(f"{kind} {path} is a directory, not a file.") from None
    except PermissionError:
        raise input_file_error(f"{kind} {path} cannot be read (permission denied).") from None
    except UnicodeDecodeError as error:
        raise input_file_error(
            f"{kind} is not UTF-8 text ({path}, byte {error.start}): save it as UTF-8 JSON."
        ) from None
    except OSError as error:
        raise input_file_error(f"{kind} {path} cannot be read ({error.strerror}).") from None
    if not text.strip():
        raise input_file_error(f"{kind} is empty ({path}): it must hold JSON.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # The position, not the text around it: a config file's text may be a secret.
        raise input_file_error(
            f"{kind} is not JSON: {error.msg} at line {error.lineno} column {error.colno} ({path})."
        ) from None
    except RecursionError:
        raise input_file_error(
            f"{kind} is not usable JSON: it nests too deeply ({path})."
        ) from None


# -- config --------------------------------------------------------------------------------------


def read_config_file(
    path: str, connection_specification: Mapping[str, Any] | None = None
) -> MutableMapping[str, Any]:
    """The config object, checked against the spec's JSON schema when one is given.

    The CDK checks the spec too, but its message ("0 is less than the minimum of 1") does not say
    which key is wrong and may quote a secret's value; this one names every wrong key and quotes
    only values the spec does not mark `airbyte_secret`.
    """
    config = read_json_file(path, "config file")
    if not isinstance(config, dict):
        raise input_file_error(
            f"config file must be a JSON object of settings, got {_json_type(config)} ({path})."
        )
    if connection_specification:
        problems = spec_problems(config, connection_specification)
        if problems:
            raise input_file_error(f"config file is not valid: {'; '.join(problems)}.")
    return config


def spec_problems(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """One sentence per spec violation, each naming its key, secrets never quoted."""
    secrets = _secret_keys(schema)
    validator = jsonschema.Draft7Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.path]):
        key = ".".join(str(part) for part in error.absolute_path)
        problems.append(_describe(error, key, key.split(".", 1)[0] in secrets))
    return problems


def _describe(error: jsonschema.ValidationError, key: str, secret: bool) -> str:
    rule, value = error.validator, error.validator_value
    shown = "" if secret or rule == "required" else f" (got {_short(error.instance)})"
    if rule == "required":
        missing = [name for name in value if name not in (error.instance or {})]
        where = f" in `{key}`" if key else ""
        return "; ".join(f"`{name}` is required{where}" for name in missing)
    if rule == "type":
        return f"`{key}` must be {_article(value)}{shown}"
    if rule == "minimum":
        return f"`{key}` must be at least {value}{shown}"
    if rule == "maximum":
        return f"`{key}` must be at most {value}{shown}"
    if rule == "enum":
        return f"`{key}` must be one of {', '.join(map(str, value))}{shown}"
    if rule == "pattern":
        # The spec's human form of the pattern, when it has one.
        descriptor = error.schema.get("pattern_descriptor") if error.schema else None
        return f"`{key}` must look like {descriptor or value}{shown}"
    return f"`{key}` breaks the spec's `{rule}` rule{shown}"


def _secret_keys(schema: Mapping[str, Any]) -> set[str]:
    properties = schema.get("properties") or {}
    return {
        name
        for name, prop in properties.items()
        if isinstance(prop, Mapping) and prop.get("airbyte_secret")
    }


def _article(type_name: Any) -> str:
    if isinstance(type_name, list):
        return " or ".join(_article(t) for t in type_name)
    return {"integer": "an integer", "object": "an object", "array": "an array"}.get(
        str(type_name), f"a {type_name}"
    )


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# -- state ---------------------------------------------------------------------------------------


def read_state_file(path: str | None) -> list[AirbyteStateMessage]:
    """Per-stream state messages from a state file; an absent or empty file means no state.

    Accepts what the platform writes (a list of STREAM or GLOBAL messages), a single message not
    wrapped in a list, and the legacy pre-per-stream form (one object mapping stream names to their
    state, bare or wrapped as LEGACY messages), which is converted. Only the file's shape is checked
    here: the values are the streams' to read (a saved cursor that cannot be used is warned about
    where the stream reads it, connector_common/state_values.py), and a state for a stream the
    source does not have is reported by the read (connector_common/stream_names.py), which alone
    knows every stream name.
    """
    if not path:
        return []
    content = read_json_file(path, "state file")
    if content in (None, [], {}):
        return []
    messages = [_checked_message(entry, number) for number, entry in _entries(content)]
    parsed = []
    for number, message in enumerate(messages, start=1):
        _fill_missing_states(message)
        try:
            parsed.append(AirbyteStateMessageSerializer.load(message))
        except ValueError as error:
            raise input_file_error(
                f"state file entry {number} is not a state message: {_serializer_problems(error)}."
            ) from None
    return parsed


def _entries(content: Any) -> list[tuple[int, Any]]:
    """(1-based entry number, message) pairs, legacy forms converted to STREAM messages."""
    if isinstance(content, dict):
        if content.get("type") in _STATE_TYPES:
            content = [content]
        else:
            return [(1, message) for message in legacy_state_messages(content)]
    if not isinstance(content, list):
        raise input_file_error(
            "state file must be a list of state messages (or a legacy object of per-stream "
            f"states), got {_json_type(content)}."
        )
    entries: list[tuple[int, Any]] = []
    for number, entry in enumerate(content, start=1):
        if isinstance(entry, dict) and entry.get("type") == "LEGACY":
            data = entry.get("data")
            if not isinstance(data, dict):
                raise input_file_error(
                    f"state file entry {number} is a LEGACY message whose `data` is not an "
                    f"object (got {_json_type(data)})."
                )
            entries.extend((number, message) for message in legacy_state_messages(data))
        else:
            entries.append((number, entry))
    return entries


def legacy_state_messages(legacy: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per-stream STATE messages from the legacy form `{"<stream>": {<its state>}, ...}`.

    Older versions of both sources (and Airbyte's own Freshdesk connector) emitted LEGACY state;
    the CDK only reads per-stream messages and rejects it. A stream whose legacy value is null has
    no state; any other value that is not an object is an error naming the stream.
    """
    messages = []
    for name, value in legacy.items():
        if value is None:
            continue
        if not isinstance(value, dict):
            raise input_file_error(
                f"state file: the legacy state of stream '{name}' must be an object, got "
                f"{_json_type(value)}."
            )
        messages.append(
            {
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": name}, "stream_state": dict(value)},
            }
        )
    return messages


def _checked_message(entry: Any, number: int) -> dict[str, Any]:
    """The entry, if it has the shape of a STREAM or GLOBAL message; else a config_error."""
    where = f"state file entry {number}"
    if not isinstance(entry, dict):
        raise input_file_error(f"{where} must be an object, got {_json_type(entry)}.")
    kind = entry.get("type")
    if kind == "STREAM":
        _check_stream_state(entry.get("stream"), f"{where} (STREAM)")
    elif kind == "GLOBAL":
        body = entry.get("global")
        if not isinstance(body, dict) or not isinstance(body.get("stream_states"), list):
            raise input_file_error(f"{where} (GLOBAL) must have `global.stream_states`, a list.")
        for index, stream in enumerate(body["stream_states"], start=1):
            _check_stream_state(stream, f"{where} (GLOBAL), stream state {index}")
    else:
        raise input_file_error(
            f"{where} has type {_short(kind)}; a state message's type is STREAM or GLOBAL "
            "(or LEGACY, converted)."
        )
    return entry


def _check_stream_state(stream: Any, where: str) -> None:
    if not isinstance(stream, dict):
        raise input_file_error(f"{where} has no `stream` object.")
    descriptor = stream.get("stream_descriptor")
    name = descriptor.get("name") if isinstance(descriptor, dict) else None
    if not isinstance(name, str) or not name:
        raise input_file_error(f"{where} has no stream name (`stream_descriptor.name`).")
    state = stream.get("stream_state")
    if state is not None and not isinstance(state, dict):
        raise input_file_error(
            f"{where}: the state of stream '{name}' must be an object, got {_json_type(state)}."
        )


def _fill_missing_states(message: dict[str, Any]) -> None:
    """A stream state of null becomes {}: the CDK's serializer rejects null."""
    streams = (
        [message["stream"]] if message["type"] == "STREAM" else message["global"]["stream_states"]
    )
    for stream in streams:
        if stream.get("stream_state") is None:
            stream["stream_state"] = {}


# -- catalog -------------------------------------------------------------------------------------


def read_catalog_file(path: str) -> ConfiguredAirbyteCatalog:
    """The configured catalog; its shape is checked before the CDK's serializer reads it."""
    catalog = read_json_file(path, "catalog file")
    if not isinstance(catalog, dict) or not isinstance(catalog.get("streams"), list):
        raise input_file_error(
            "catalog must be an object with streams (a list of configured streams), got "
            f"{_json_type(catalog) if not isinstance(catalog, dict) else 'no `streams` list'}."
        )
    seen: set[str] = set()
    for number, entry in enumerate(catalog["streams"], start=1):
        stream = entry.get("stream") if isinstance(entry, dict) else None
        name = stream.get("name") if isinstance(stream, dict) else None
        if not isinstance(name, str) or not name:
            raise input_file_error(
                f"catalog stream {number} must be an object with `stream.name` (a string)."
            )
        if name in seen:
            raise input_file_error(f"catalog names stream '{name}' twice.")
        seen.add(name)
    try:
        return ConfiguredAirbyteCatalogSerializer.load(catalog)
    except ValueError as error:
        raise input_file_error(
            f"catalog file is not a configured catalog: {_serializer_problems(error)}."
        ) from None


def _serializer_problems(error: ValueError) -> str:
    """The CDK serializer's findings, as `where: what` (serpyco-rs lists them in `errors`)."""
    items = getattr(error, "errors", None) or []
    found = [
        f"{getattr(item, 'instance_path', '') or '(top)'}: {getattr(item, 'message', item)}"
        for item in items
    ]
    return "; ".join(found) or str(error)


# -- what a source knows about itself ------------------------------------------------------------


def package_connection_specification(package: str) -> dict[str, Any]:
    """The `connectionSpecification` of a package's spec.json, as the CDK's `spec` reads it."""
    raw = pkgutil.get_data(package, "spec.json")
    if raw is None:
        raise FileNotFoundError(f"{package} has no spec.json")
    specification: dict[str, Any] = json.loads(raw)["connectionSpecification"]
    return specification


def package_schema_names(package: str) -> frozenset[str]:
    """The stream names of a package that keeps one `schemas/<stream>.json` per stream."""
    folder = resources.files(package) / "schemas"
    return frozenset(
        entry.name.removesuffix(".json")
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    )
