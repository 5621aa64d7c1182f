"""A faithful fake of the Freshdesk API v2 for integration tests, benchmarks and demos.

with FreshdeskSandbox(SandboxSettings(ticket_count=500)) as sandbox:
    requests.get(f"{sandbox.base_url}/api/v2/tickets", auth=(sandbox.api_key, "X"))
"""

from .server import FreshdeskSandbox
from .settings import SandboxSettings
from .store import AIRBYTE_STREAM_NAMES, NEW_STREAM_NAMES, RECORD_KEYS, STREAM_NAMES

__all__ = [
    "AIRBYTE_STREAM_NAMES",
    "NEW_STREAM_NAMES",
    "RECORD_KEYS",
    "STREAM_NAMES",
    "FreshdeskSandbox",
    "SandboxSettings",
]
