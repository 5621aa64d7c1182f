"""The console scripts' entry: the CDK's `launch`, with broken input files reported plainly."""

from __future__ import annotations

import sys

from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources import Source

from connector_common.input_files import InputFileError
from connector_common.secrets import redact_credentials_in_logs


def launch_source(source: Source, args: list[str]) -> None:
    """Run one command of `source`. A config, state or catalog file that cannot be used ends the
    process with exit code 1 and one config_error TRACE whose message names the file and the
    problem; the CDK's own handler would add a FATAL log and a stack trace of our reading code,
    which only bury that message. Credentials the CDK's own filter misses (Basic headers, signed
    URLs) are blanked in every log line first."""
    redact_credentials_in_logs()
    try:
        launch(source, args)
    except InputFileError as error:
        message = error.as_sanitized_airbyte_message()
        if message.trace is not None and message.trace.error is not None:
            message.trace.error.stack_trace = None
        print(f"{AirbyteEntrypoint.airbyte_message_to_string(message)}\n", end="", flush=True)
        sys.exit(1)
