"""The three hosts' apps: token host, Explore API host and signed-URL storage host.

Each is served by the shared sandbox HTTP server (HTTP/1.1, a Content-Length on every response, so
clients keep connections alive and stream report bodies); faults are queued per request kind.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import parse_qs

from integration_tests.sandbox_http import Fault, Request, Response, Router, answer_with_faults
from integration_tests.sandbox_http.messages import error_page

from .auth import IssuedToken, ScopeNotGranted
from .core import SandboxCore
from .data import VERSIONED_REPORTS
from .jobs import ACTIVE_STATUSES, Job, QuotaExceeded
from .settings import READ_SCOPE, WRITE_SCOPE
from .timestamps import format_api_time
from .validation import FieldError, validate_job_request

_STREAM_CHUNK = 64 * 1024
_REPORT = r"/data/reports/(?P<type>[^/]+)"

Handler = Callable[[Request, "re.Match[str]"], Response]


class _HostApp:
    """One host: its routes, its 404, stats of every answer, faults by request kind."""

    def __init__(self, core: SandboxCore) -> None:
        self.core = core
        self.routes: Router[Handler] = Router()

    def __call__(self, request: Request) -> Response:
        found = self.routes.resolve(request.method, request.path)
        response = self.not_found() if found is None else found[0](request, found[1])
        self.core.stats.response(response.status)
        return response

    def not_found(self) -> Response:
        raise NotImplementedError

    def faulted(self, kind: str, answer: Callable[[], Response]) -> Response:
        self.core.stats.request(kind)
        return answer_with_faults(
            self.core.faults, kind, answer, lambda fault: _fault_response(kind, fault)
        )


# --- token host ---------------------------------------------------------------------------------


class TokenApp(_HostApp):
    def __init__(self, core: SandboxCore) -> None:
        super().__init__(core)
        self.routes.add("POST", "/oauth/token", self._token)

    def not_found(self) -> Response:
        return Response.json(404, {"error": "not_found", "error_description": "Unknown path"})

    def _token(self, request: Request, _: re.Match[str]) -> Response:
        return self.faulted("token", lambda: self._issue(request))

    def _issue(self, request: Request) -> Response:
        if not self.core.tokens.client_matches(request.headers.get("Authorization")):
            return Response.json(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                {"WWW-Authenticate": 'Basic realm="talkdesk"'},
            )
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return _oauth_error("invalid_request", "Body must be application/x-www-form-urlencoded")
        form = parse_qs(request.body.decode("utf-8", "replace"))
        grant_type = form.get("grant_type", [""])[0]
        if not grant_type:
            return _oauth_error("invalid_request", "Missing grant_type parameter")
        if grant_type != "client_credentials":
            return _oauth_error("unsupported_grant_type", f"Unsupported grant_type {grant_type}")
        try:
            token, issued = self.core.tokens.issue(form.get("scope", [None])[0])
        except ScopeNotGranted as missing:
            return _oauth_error("invalid_scope", f"Scope not granted to this client: {missing}")
        self.core.stats.count("tokens_issued")
        payload = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": math.ceil(issued.lifetime_s),
            "scope": self.core.tokens.granted_scope_string(issued),
        }
        if not self.core.token_scope_in_response:
            del payload["scope"]
        return Response.json(200, payload, {"Cache-Control": "no-store"})


def _oauth_error(error: str, description: str) -> Response:
    return Response.json(400, {"error": error, "error_description": description})


# --- Explore API host ---------------------------------------------------------------------------


def _api_error(code: str, description: str, fields: list[dict] | None = None) -> dict:
    body: dict = {"code": code, "description": description, "message": description}
    if fields is not None:
        body["fields"] = fields
    return body


class ExploreApp(_HostApp):
    def __init__(self, core: SandboxCore) -> None:
        super().__init__(core)
        self.routes.add("POST", f"{_REPORT}/jobs", self._create)
        self.routes.add("GET", f"{_REPORT}/(?P<kind>jobs|files)/(?P<id>[^/]+)", self._read)

    def not_found(self) -> Response:
        return Response.json(404, _api_error("0000404", "Resource not found"))

    def _create(self, request: Request, match: re.Match[str]) -> Response:
        def answer() -> Response:
            refused = self._authorize(request, WRITE_SCOPE) or self._unknown_type(match["type"])
            return refused or self._create_job(match["type"], request.body)

        return self.faulted("create", answer)

    def _read(self, request: Request, match: re.Match[str]) -> Response:
        kind = "poll" if match["kind"] == "jobs" else "file"

        def answer() -> Response:
            self.core.note_request_for_revocation(kind)
            refused = self._authorize(request, READ_SCOPE) or self._unknown_type(match["type"])
            if refused:
                return refused
            job = self.core.jobs.get(match["type"], match["id"])
            if job is None:
                return Response.json(404, _api_error("0330404", "Report job not found"))
            return self._poll(job) if kind == "poll" else self._file(job)

        return self.faulted(kind, answer)

    # --- checks: None when the request may go on ---

    def _authorize(self, request: Request, scope: str) -> Response | None:
        header = request.headers.get("Authorization") or ""
        issued: IssuedToken | None = None
        if header.startswith("Bearer "):
            issued = self.core.tokens.lookup(header[7:].strip())
        if issued is None:
            return Response.json(
                401,
                _api_error("1001401", "Unauthorized: invalid or expired token"),
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if scope not in issued.scopes:
            return Response.json(
                403, _api_error("1001403", f"Forbidden: token lacks scope {scope}")
            )
        return None

    def _unknown_type(self, report_type: str) -> Response | None:
        if self.core.dataset.knows(report_type):
            return None
        return Response.json(404, _api_error("0330405", f"Unknown report type {report_type}"))

    # --- endpoints ---

    def _create_job(self, report_type: str, raw: bytes) -> Response:
        try:
            request = json.loads(raw or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            request = None
        if not isinstance(request, dict):
            malformed = FieldError("body", "must be a JSON object").as_json()
            return Response.json(400, _api_error("0330400", "Malformed request body", [malformed]))
        validated = validate_job_request(request, self.core.clock.now())
        if isinstance(validated, FieldError):
            return Response.json(
                400, _api_error("0330400", "Invalid request", [validated.as_json()])
            )
        created_at = self.core.clock.now()
        late_after = created_at - timedelta(seconds=self.core.current_visibility_delay())
        try:
            job = self.core.jobs.create(
                report_type, validated, created_at, visible_until=min(validated.end, late_after)
            )
        except QuotaExceeded:
            retry_after = self.core.current_retry_after()
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            return Response.json(
                429,
                _api_error("0330429", "Too many requests: simultaneous report quota exceeded"),
                headers,
            )
        return Response.json(self.core.create_status_code, self._job_body(job, "created"))

    def _poll(self, job: Job) -> Response:
        status = self.core.job_status(job)
        if status != "done":
            return Response.json(200, self._job_body(job, status))
        location = f"/data/reports/{job.report_type}/files/{job.id}"
        return Response.json(
            self.core.current_redirect_code(), self._job_body(job, status), {"Location": location}
        )

    def _file(self, job: Job) -> Response:
        status = self.core.job_status(job)
        if status in ACTIVE_STATUSES:
            return Response.json(200, self._job_body(job, status))
        if status != "done":
            return Response.json(
                404, _api_error("0330406", f"Report file not available: job {status}")
            )
        path = f"/reports/{job.report_type}/{job.id}.json"
        expires, signature = self.core.signer.sign(path, self.core.clock.epoch())
        location = f"{self.core.storage_url}{path}?expires={expires}&signature={signature}"
        return Response.json(
            self.core.current_redirect_code(), self._job_body(job, status), {"Location": location}
        )

    def _job_body(self, job: Job, status: str) -> dict:
        base = f"{self.core.api_url}/data/reports/{job.report_type}"
        links = {"self": {"href": f"{base}/jobs/{job.id}"}}
        if status == "done":
            links["files"] = {"href": f"{base}/files/{job.id}"}
        fields = {
            "id": job.id,
            "name": job.name,
            "created_at": format_api_time(job.created_at),
            "status": status,
            "type": job.report_type,
            "format": job.format,
            "timezone": job.timezone,
            "timespan": job.timespan,
        }
        if self.core.wrap_job:
            return {"job": fields, "_links": links}
        return {**fields, "_links": links}


# --- storage host -------------------------------------------------------------------------------


def _s3_error(code: str, message: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        "<RequestId>SANDBOX</RequestId><HostId>sandbox</HostId></Error>"
    ).encode()


class StorageApp(_HostApp):
    def __init__(self, core: SandboxCore) -> None:
        super().__init__(core)
        # Any GET is a download attempt (and meets faults); only report paths name a file.
        self.routes.add("GET", r"/reports/(?P<type>[^/]+)/(?P<id>[^/]+)\.json|.*", self._download)

    def not_found(self) -> Response:
        return _s3_response(404, "NoSuchKey", "The specified key does not exist.")

    def _download(self, request: Request, match: re.Match[str]) -> Response:
        return self.faulted("storage", lambda: self._signed_get(request, match))

    def _signed_get(self, request: Request, match: re.Match[str]) -> Response:
        if request.headers.get("Authorization") is not None:
            # A pre-signed GET plus an Authorization header is two auth mechanisms; S3 refuses it.
            self.core.stats.count("storage_requests_with_authorization")
            return _s3_response(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be specified",
            )
        job = self.core.jobs.get(match["type"], match["id"]) if match["type"] else None
        if job is None or self.core.job_status(job) != "done":
            return self.not_found()
        query = request.query_lists()
        verdict = self.core.signer.verify(
            request.path,
            query.get("expires", [None])[0],
            query.get("signature", [None])[0],
            self.core.clock.epoch(),
        )
        if verdict == "expired":
            return _s3_response(403, "AccessDenied", "Request has expired")
        if verdict != "ok":
            return _s3_response(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        return self._report(job)

    def _report(self, job: Job) -> Response:
        body = b"".join(_report_chunks(job.report_type, job.entries(self.core.dataset)))
        if not self.core.current_gzip_reports():
            return Response(200, body)
        # Stored with Content-Encoding: gzip, as S3 serves objects uploaded compressed.
        return Response(200, gzip.compress(body), headers=[("Content-Encoding", "gzip")])


def _s3_response(status: int, code: str, message: str) -> Response:
    return Response(status, _s3_error(code, message), "application/xml")


def _report_chunks(report_type: str, entries: list[dict]) -> Iterator[bytes]:
    """The report file in ~64 KiB pieces, so large reports reach the client progressively."""
    buffer = [b'{"entries": [']
    size = len(buffer[0])
    for index, entry in enumerate(entries):
        piece = (b", " if index else b"") + json.dumps(entry).encode()
        buffer.append(piece)
        size += len(piece)
        if size >= _STREAM_CHUNK:
            yield b"".join(buffer)
            buffer, size = [], 0
    tail: dict[str, object] = {"total": len(entries)}
    if report_type in VERSIONED_REPORTS:
        tail.update({"type": report_type, "version": "v1"})
    buffer.append(b"], " + json.dumps(tail)[1:].encode())
    yield b"".join(buffer)


def _fault_response(kind: str, fault: Fault) -> Response:
    """What each host says when it fails: HTML from gateways, JSON from the API, XML from S3."""
    status = int(fault.status)
    if kind == "storage":
        code = {500: "InternalError", 503: "SlowDown"}.get(status, "ServiceUnavailable")
        return _s3_response(status, code, f"Injected storage failure {status}")
    if status in (502, 504) or (kind == "token" and status >= 500):
        return Response(status, error_page(status, "sandbox-gateway").encode(), "text/html")
    if status == 429:
        body = _api_error("0330429", "Too many requests")
    elif kind == "create" and status == 503:
        body = _api_error("0330503", "Unable to audit operation")
    elif kind == "token":
        body = {"error": "temporarily_unavailable", "error_description": f"HTTP {status}"}
    else:
        body = _api_error(f"0330{status}", f"Injected failure {status}")
    return Response.json(status, body)
