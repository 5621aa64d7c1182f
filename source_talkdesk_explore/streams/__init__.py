"""The source's streams: one per shipped Explore report, plus the configured custom reports."""

from source_talkdesk_explore.streams.base import ExploreReportStream, window_slice
from source_talkdesk_explore.streams.custom import CustomReportStream, custom_report_class
from source_talkdesk_explore.streams.reports import (
    STREAM_CLASSES,
    AuditLogs,
    Calls,
    Contacts,
    ExploreCalls,
    MessagingContacts,
    MessagingTraffic,
    RingAttempts,
    StudioFlowExecution,
    UserStatus,
)
from source_talkdesk_explore.sync_context import SyncContext


def build_streams(context: SyncContext) -> list[ExploreReportStream]:
    """Every stream of one sync, sharing its context: the shipped ones, then the custom ones."""
    shipped = [stream_class(context) for stream_class in STREAM_CLASSES]
    custom = [custom_report_class(report)(context) for report in context.config.custom_reports]
    return [*shipped, *custom]


__all__ = [
    "STREAM_CLASSES",
    "AuditLogs",
    "Calls",
    "Contacts",
    "CustomReportStream",
    "ExploreCalls",
    "ExploreReportStream",
    "MessagingContacts",
    "MessagingTraffic",
    "RingAttempts",
    "StudioFlowExecution",
    "UserStatus",
    "build_streams",
    "window_slice",
]
