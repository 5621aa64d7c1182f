"""Report jobs: the created → processing → uploading → done state machine and the account quota.

A job's status is a pure function of how long ago it was created, its planned duration and its
planned outcome, so no background thread is needed and every reader sees a consistent state.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .data import Dataset
from .reports import LAYOUTS
from .validation import JobRequest

ACTIVE_STATUSES = ("created", "processing", "uploading")
FAILURE_STATUSES = ("failed", "canceled", "deleted")

# Share of the duration spent in each active status before the outcome is reached.
_CREATED_SHARE = 0.1
_PROCESSING_SHARE = 0.7


@dataclass
class Job:
    id: str
    report_type: str
    name: str | None
    timespan: dict  # as the client sent it, echoed back
    timezone: str
    format: str
    start: datetime  # resolved UTC window [start, end)
    end: datetime
    # Rows whose filter time is at or after this instant had not arrived when the job ran
    # (late-arriving data); normally equal to `end`.
    visible_until: datetime
    created_at: datetime  # server clock
    created_mono: float
    duration_s: float
    outcome: str  # "done" or one of FAILURE_STATUSES
    # The entry layout the file is written in (a key of reports.LAYOUTS); None: the current one.
    layout: str | None = None

    def entries(self, dataset: Dataset) -> list[dict]:
        """The job's file entries: its window of the report, in the job's layout."""
        entries = dataset.window(self.report_type, self.start, self.visible_until)
        if self.layout is None:
            return entries
        return [LAYOUTS[self.layout](entry) for entry in entries]

    def status(self, now_mono: float) -> str:
        elapsed = now_mono - self.created_mono
        if elapsed >= self.duration_s:
            return self.outcome
        # A job that never finishes is still picked up by a worker after a moment.
        created_for = self.duration_s * _CREATED_SHARE if math.isfinite(self.duration_s) else 0.1
        if elapsed < created_for:
            return "created"
        if elapsed < self.duration_s * _PROCESSING_SHARE:
            return "processing"
        return "uploading"

    def is_active(self, now_mono: float) -> bool:
        return self.status(now_mono) in ACTIVE_STATUSES


class QuotaExceeded(Exception):
    pass


@dataclass
class JobBoard:
    quota: int
    foreign_jobs: int
    default_duration_s: float
    durations_by_type: dict[str, float] = field(default_factory=dict)
    # Seconds after its filter time a row of a report type shows up (each report's freshness).
    freshness_by_type: dict[str, float] = field(default_factory=dict)
    # Calls jobs still to be answered in the layout of requests before 2026-05-11; None: all.
    legacy_calls_jobs: int | None = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._failure_plans: dict[str, deque[str]] = {}
        self._counted_from = 0  # jobs created before a reset_stats() are not reported
        self._max_concurrent = 0

    # --- controls -------------------------------------------------------------------------------

    def fail_next(self, report_type: str, statuses: Iterable[str]) -> None:
        statuses = list(statuses)
        unknown = [status for status in statuses if status not in FAILURE_STATUSES]
        if unknown:
            raise ValueError(f"not a failure status: {unknown}")
        with self._lock:
            self._failure_plans.setdefault(report_type, deque()).extend(statuses)

    def set_duration(self, seconds: float, report_type: str | None = None) -> None:
        with self._lock:
            if report_type is None:
                self.default_duration_s = float(seconds)
                self.durations_by_type.clear()
            else:
                self.durations_by_type[report_type] = float(seconds)

    def serve_legacy_calls(self, jobs: int | None) -> None:
        """The next `jobs` calls jobs (None: every one) answer in the pre-2026-05-11 layout."""
        with self._lock:
            self.legacy_calls_jobs = jobs

    def set_foreign_jobs(self, count: int) -> None:
        with self._lock:
            self.foreign_jobs = int(count)

    # --- lifecycle ------------------------------------------------------------------------------

    def create(
        self,
        report_type: str,
        request: JobRequest,
        created_at: datetime,
        visible_until: datetime,
    ) -> Job:
        """A new job, or QuotaExceeded when the account already runs `quota` unfinished jobs."""
        with self._lock:
            now_mono = time.monotonic()
            active = sum(1 for job in self._jobs.values() if job.is_active(now_mono))
            if active + self.foreign_jobs >= self.quota:
                raise QuotaExceeded()
            plan = self._failure_plans.get(report_type)
            freshness = timedelta(seconds=self.freshness_by_type.get(report_type, 0.0))
            job = Job(
                id=str(uuid.uuid4()),
                report_type=report_type,
                name=request.name,
                timespan=request.timespan,
                timezone=request.timezone,
                format=request.format,
                start=request.start,
                end=request.end,
                visible_until=min(visible_until, created_at - freshness),
                created_at=created_at,
                created_mono=now_mono,
                duration_s=self.durations_by_type.get(report_type, self.default_duration_s),
                outcome=plan.popleft() if plan else "done",
                layout=self._layout(report_type),
            )
            self._jobs[job.id] = job
            self._max_concurrent = max(self._max_concurrent, active + 1)
            return job

    def _layout(self, report_type: str) -> str | None:
        # Called under the lock. A job created after the switch gets the current layout.
        if report_type != "calls" or self.legacy_calls_jobs == 0:
            return None
        if self.legacy_calls_jobs is not None:
            self.legacy_calls_jobs -= 1
        return "legacy_calls"

    def get(self, report_type: str, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.report_type == report_type else None

    # --- stats ----------------------------------------------------------------------------------

    def reset_stats(self) -> None:
        with self._lock:
            self._counted_from = len(self._jobs)
            now_mono = time.monotonic()
            self._max_concurrent = sum(1 for job in self._jobs.values() if job.is_active(now_mono))

    def snapshot(self) -> dict:
        with self._lock:
            now_mono = time.monotonic()
            # dicts keep insertion order, so the counted jobs are the tail.
            jobs = list(self._jobs.values())[self._counted_from :]
            max_concurrent = self._max_concurrent
        created = Counter(job.report_type for job in jobs)
        finished = [job for job in jobs if not job.is_active(now_mono)]
        return {
            "jobs_created_by_type": dict(created),
            "jobs_failed": sum(1 for job in finished if job.outcome != "done"),
            "max_concurrent_jobs": max_concurrent,
            "job_durations_s": [
                job.duration_s
                for job in finished
                if job.outcome == "done" and math.isfinite(job.duration_s)
            ],
        }
