"""The shared state behind the three HTTP servers, and the runtime knobs that act on it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from integration_tests.sandbox_http import FaultPlan, RequestStats

from .auth import TokenIssuer
from .clock import SandboxClock
from .data import Dataset
from .jobs import Job, JobBoard
from .stats import REQUEST_KINDS
from .storage import UrlSigner

REDIRECT_CODES = (300, 302, 303)
# Report files are kept for 30 days; after that the job reads as deleted.
FILE_RETENTION = timedelta(days=30)


@dataclass
class SandboxCore:
    clock: SandboxClock
    dataset: Dataset
    tokens: TokenIssuer
    jobs: JobBoard
    signer: UrlSigner
    stats: RequestStats
    redirect_code: int
    retry_after_s: int | None
    create_status_code: int
    wrap_job: bool
    visibility_delay_s: float
    gzip_reports: bool
    token_scope_in_response: bool
    faults: FaultPlan = field(default_factory=lambda: FaultPlan(REQUEST_KINDS))
    # Filled in once the servers are bound, because signed URLs and _links are absolute.
    api_url: str = ""
    storage_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Request kind -> how many more requests of it pass before every token is revoked.
    revocations_due: dict[str, int] = field(default_factory=dict)

    def job_status(self, job: Job) -> str:
        status = job.status(time.monotonic())
        if status == "done" and self.clock.now() - job.created_at > FILE_RETENTION:
            return "deleted"
        return status

    def current_redirect_code(self) -> int:
        with self.lock:
            return self.redirect_code

    def set_redirect_code(self, code: int) -> None:
        if code not in REDIRECT_CODES:
            raise ValueError(f"redirect code must be one of {REDIRECT_CODES}")
        with self.lock:
            self.redirect_code = code

    def current_gzip_reports(self) -> bool:
        with self.lock:
            return self.gzip_reports

    def set_gzip_reports(self, enabled: bool) -> None:
        with self.lock:
            self.gzip_reports = bool(enabled)

    def current_visibility_delay(self) -> float:
        with self.lock:
            return self.visibility_delay_s

    def set_visibility_delay(self, seconds: float) -> None:
        with self.lock:
            self.visibility_delay_s = float(seconds)

    def current_retry_after(self) -> int | None:
        with self.lock:
            return self.retry_after_s

    def set_retry_after(self, seconds: int | None) -> None:
        with self.lock:
            self.retry_after_s = seconds

    def revoke_tokens_after(self, kind: str, requests: int) -> None:
        if kind not in REQUEST_KINDS:
            raise ValueError(f"kind must be one of {REQUEST_KINDS}")
        with self.lock:
            self.revocations_due[kind] = int(requests)

    def note_request_for_revocation(self, kind: str) -> None:
        """Count a request of `kind` against an armed revocation; revoke when it comes due."""
        with self.lock:
            due = self.revocations_due.get(kind)
            if due is None:
                return
            if due > 0:
                self.revocations_due[kind] = due - 1
                return
            del self.revocations_due[kind]
        self.tokens.expire_all()
