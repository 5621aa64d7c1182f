"""The two kinds of failure the connector reports, built in one place so messages stay consistent."""

from __future__ import annotations

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


def config_error(message: str, internal_message: str | None = None) -> AirbyteTracedException:
    """Something the user must fix (credentials, region, URLs, scopes)."""
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
