"""`request_timeout_seconds`: how long either source waits for an answer before retrying.

One key with one range and one meaning in both sources. It sets the read part of every request
timeout (API calls, file downloads, token calls, the connection check); each source keeps its own
connect part, which only bounds reaching a host and has nothing to do with how slowly it answers.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# What both sources waited before the key existed: ample for a page or a report file's first
# byte, yet a stalled answer is still retried instead of holding a worker for the whole sync.
DEFAULT_REQUEST_TIMEOUT_S = 120
# Ten minutes: beyond that a stalled answer costs more than the retry it delays.
MAX_REQUEST_TIMEOUT_S = 600

RequestTimeoutSeconds = Annotated[int, Field(ge=1, le=MAX_REQUEST_TIMEOUT_S)]
