"""The failures both sources raise, built here so their messages and types stay alike.

One kind is built elsewhere on purpose: a config, state or catalog file that cannot be used is an
`InputFileError` (connector_common/input_files.py), a class of its own because the launcher
(connector_common/launch.py) catches exactly it to print one trace without a stack.
"""

from __future__ import annotations

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import ValidationError


def traced_error(
    failure_type: FailureType, message: str, internal_message: str | None = None
) -> AirbyteTracedException:
    """A failure of the given type whose message the user reads and the log keeps."""
    return AirbyteTracedException(
        message=message, internal_message=internal_message or message, failure_type=failure_type
    )


def config_error(message: str, internal_message: str | None = None) -> AirbyteTracedException:
    """Something the user must fix (credentials, URLs, scopes, settings)."""
    return traced_error(FailureType.config_error, message, internal_message)


def transient_error(message: str, internal_message: str | None = None) -> AirbyteTracedException:
    """Something that may succeed on a later attempt (retries exhausted, jobs that kept failing)."""
    return traced_error(FailureType.transient_error, message, internal_message)


def system_error(message: str, internal_message: str | None = None) -> AirbyteTracedException:
    """Something the source did not expect from the API (an answer it cannot read): only a fix
    of the connector, or of the API, can mend it."""
    return traced_error(FailureType.system_error, message, internal_message)


def invalid_configuration(source_title: str, error: ValidationError) -> AirbyteTracedException:
    """`Invalid <Source> configuration: `<field>`: <problem>; ....`, a config_error.

    The offending values are left out: a rejected setting may be a secret.
    """
    problems = "; ".join(
        f"`{'.'.join(str(part) for part in item['loc'])}`: {item['msg']}"
        for item in error.errors(include_input=False)
    )
    return config_error(f"Invalid {source_title} configuration: {problems}.")
