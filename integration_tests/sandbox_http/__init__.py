"""The HTTP layer both sandboxes share: threaded servers on 127.0.0.1, routing, responses,
one-shot transport faults and request stats. Each sandbox adds only its API's behaviour."""

from .faults import EMPTY, LATENCY, MALFORMED, RESET, TRUNCATE, Fault, FaultPlan, answer_with_faults
from .messages import Request, Response
from .routing import Router
from .server import SandboxServer
from .stats import RequestStats
from .tls import write_self_signed_certificate

__all__ = [
    "EMPTY",
    "LATENCY",
    "MALFORMED",
    "RESET",
    "TRUNCATE",
    "Fault",
    "FaultPlan",
    "Request",
    "RequestStats",
    "Response",
    "Router",
    "SandboxServer",
    "answer_with_faults",
    "write_self_signed_certificate",
]
