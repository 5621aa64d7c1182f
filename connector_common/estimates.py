"""The ESTIMATE trace both sources emit so the platform can show a stream's progress."""

from __future__ import annotations

from airbyte_cdk.models import (
    AirbyteEstimateTraceMessage,
    AirbyteMessage,
    AirbyteTraceMessage,
    EstimateType,
    TraceType,
    Type,
)

from connector_common.datetimes import utc_now


def row_estimate(stream: str, namespace: str | None, rows: int) -> AirbyteMessage:
    """How many rows `stream` is expected to emit in this sync, all told."""
    return AirbyteMessage(
        type=Type.TRACE,
        trace=AirbyteTraceMessage(
            type=TraceType.ESTIMATE,
            emitted_at=utc_now().timestamp() * 1000,
            estimate=AirbyteEstimateTraceMessage(
                name=stream, namespace=namespace, type=EstimateType.STREAM, row_estimate=rows
            ),
        ),
    )
