"""The failures both sources report, built in one place so their messages and types stay alike."""

from __future__ import annotations

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import ValidationError


def config_error(message: str, internal_message: str | None = None) -> AirbyteTracedException:
    """Something the user must fix (credentials, URLs, scopes, settings)."""
    return AirbyteTracedException(
        message=message,
        internal_message=internal_message or message,
        failure_type=FailureType.config_error,
    )


def transient_error(message: str, internal_message: str | None = None) -> AirbyteTracedException:
    """Something that may succeed on a later attempt (retries exhausted, jobs that kept failing)."""
    return AirbyteTracedException(
        message=message,
        internal_message=internal_message or message,
        failure_type=FailureType.transient_error,
    )


def system_error(message: str) -> AirbyteTracedException:
    """Something the source did not expect from the API (an answer it cannot read)."""
    return AirbyteTracedException(
        message=message, internal_message=message, failure_type=FailureType.system_error
    )


def invalid_configuration(source_title: str, error: ValidationError) -> AirbyteTracedException:
    """`Invalid <Source> configuration: `<field>`: <problem>; ....`, a config_error.

    The offending values are left out: a rejected setting may be a secret.
    """
    problems = "; ".join(
        f"`{'.'.join(str(part) for part in item['loc'])}`: {item['msg']}"
        for item in error.errors(include_input=False)
    )
    return config_error(f"Invalid {source_title} configuration: {problems}.")
