"""Point the standard suite's configs at live sandboxes.

The acceptance-test configs name fixed loopback addresses (the ones the sandboxes' command-line
runners document), while the tests start each sandbox on an ephemeral port. A source bound here
rewrites those addresses in every config it receives, exactly where the platform would hand it the
config file, so the source itself runs unmodified.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from airbyte_cdk.sources import AbstractSource


def rewrite_addresses(value: Any, addresses: Mapping[str, str]) -> Any:
    """Replace each fixed address prefix with its live counterpart, in every string of a config."""
    if isinstance(value, str):
        for fixed, live in addresses.items():
            if value.startswith(fixed):
                return live + value[len(fixed) :]
        return value
    if isinstance(value, Mapping):
        return {key: rewrite_addresses(item, addresses) for key, item in value.items()}
    if isinstance(value, list):
        return [rewrite_addresses(item, addresses) for item in value]
    return value


def bind_to_sandbox(
    source: AbstractSource, addresses: Callable[[], Mapping[str, str]]
) -> AbstractSource:
    """`source`, configured through `addresses()` (read per command: the sandbox may restart)."""
    original_configure = source.configure

    def configure(config: Mapping[str, Any], temp_dir: str) -> Mapping[str, Any]:
        return original_configure(rewrite_addresses(config, addresses()), temp_dir)

    source.configure = configure  # type: ignore[method-assign]
    return source
