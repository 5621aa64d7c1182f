"""The report types this source ships, one class each; every class reads like a table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from source_talkdesk_explore.streams.base import ExploreReportStream


class Calls(ExploreReportStream):
    report_type = "calls"
    primary_key = "call_id"
    cursor_field = "end_at"

    def shape(self, entry: dict[str, Any]) -> dict[str, Any]:
        # Requests made before 2026-05-11 are answered in the Explore Calls layout (no call_id,
        # no end_at): the key and the cursor are copied from its columns, which stay as sent.
        if "call_id" not in entry and "interaction_id" in entry:
            entry["call_id"] = entry["interaction_id"]
            entry.setdefault("end_at", entry.get("end_time"))
        return entry


class UserStatus(ExploreReportStream):
    report_type = "user_status"
    # A log of status sessions: many rows per user, plus split rows at month/team changes.
    primary_key = [["user_id"], ["status_start_at"], ["status_label"]]
    cursor_field = "status_end_at"
    # Refreshed every minute.
    freshness_lag = timedelta(minutes=2)


class StudioFlowExecution(ExploreReportStream):
    report_type = "studio_flow_execution"
    # One row per executed step: flow_id alone repeats for every execution and step.
    primary_key = [["interaction_id"], ["flow_id"], ["step_execution_order"]]
    cursor_field = "flow_execution_finished_time"
    # 0.1.0's cursor: a flat key containing a dot, which many tools read as a nested path.
    legacy_state_keys = ("studio_flow_executions_aggregated.flow_execution_finished_time",)
    # Complete within 5 minutes.
    freshness_lag = timedelta(minutes=10)

    def shape(self, entry: dict[str, Any]) -> dict[str, Any]:
        entry.setdefault("flow_execution_finished_time", entry.get(self.legacy_state_keys[0]))
        return entry


class Contacts(ExploreReportStream):
    report_type = "contacts"
    primary_key = "contact_id"
    cursor_field = "finished_at"


class RingAttempts(ExploreReportStream):
    report_type = "ring_attempts"
    primary_key = "ring_attempt_id"
    cursor_field = "ring_finished_at_time"


class ExploreCalls(ExploreReportStream):
    report_type = "explore_calls"
    # One row per call; the layout has no call id.
    primary_key = "interaction_id"
    cursor_field = "end_time"


class AuditLogs(ExploreReportStream):
    report_type = "audit_logs"
    # No row id: one operation of one transaction at one instant (millisecond timestamps).
    primary_key = [["platform_tid"], ["operation"], ["timestamp"]]
    cursor_field = "timestamp"
    # Complete within an hour.
    freshness_lag = timedelta(minutes=75)


class MessagingContacts(ExploreReportStream):
    report_type = "messaging_contacts"
    # A conversation (interaction) holds one contact per transfer or fallback.
    primary_key = "contact_id"
    cursor_field = "contact_finished_at"


class MessagingTraffic(ExploreReportStream):
    report_type = "messaging_traffic"
    primary_key = "message_id"
    cursor_field = "message_created_at"


STREAM_CLASSES: tuple[type[ExploreReportStream], ...] = (
    Calls,
    UserStatus,
    StudioFlowExecution,
    Contacts,
    RingAttempts,
    ExploreCalls,
    AuditLogs,
    MessagingContacts,
    MessagingTraffic,
)
