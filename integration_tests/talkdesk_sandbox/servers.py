"""The three HTTP servers: token host, Explore API host and signed-URL storage host.

Plain stdlib `ThreadingHTTPServer`s speaking HTTP/1.1 with a Content-Length on every response, so
clients can keep connections alive and stream report bodies.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import sys
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .auth import IssuedToken, ScopeNotGranted
from .core import SandboxCore
from .data import VERSIONED_REPORTS
from .faults import RESET, TRUNCATE, Fault
from .jobs import ACTIVE_STATUSES, Job, QuotaExceeded
from .settings import READ_SCOPE, WRITE_SCOPE
from .timestamps import format_api_time
from .validation import FieldError, validate_job_request

_STREAM_CHUNK = 64 * 1024

_API_PATH = re.compile(r"^/data/reports/(?P<type>[^/]+)/(?P<kind>jobs|files)(?:/(?P<id>[^/]+))?$")
_STORAGE_PATH = re.compile(r"^/reports/(?P<type>[^/]+)/(?P<id>[^/]+)\.json$")


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops SYNs when a connector opens many connections at once, and
    # each drop costs the client a one-second retransmit that would distort benchmarks.
    request_queue_size = 128

    def __init__(self, handler: type[BaseHTTPRequestHandler], core: SandboxCore) -> None:
        self.core = core
        super().__init__(("127.0.0.1", 0), handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request: object, client_address: tuple) -> None:
        # A client that hangs up mid-answer (killed sync, timeout) is normal traffic, not a
        # sandbox bug; anything else still gets socketserver's traceback on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer
    # Idle keep-alive connections are eventually dropped so handler threads do not linger
    # forever; generous, because a connector may back off for a minute between polls.
    timeout = 120

    @property
    def core(self) -> SandboxCore:
        return self.server.core

    def log_message(self, format: str, *args: object) -> None:
        # Silent: request lines can carry signed-URL signatures and tests read their own output.
        pass

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.core.stats.response(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(
        self, status: int, payload: object, headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _path_and_query(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        return parts.path, parse_qs(parts.query)

    def _injected_fault(self, kind: str) -> Fault | None:
        """Answer with the next queued fault for `kind`, if any; a truncation is left to the
        caller because only it knows the body."""
        fault = self.core.faults.take(kind)
        if fault is None or fault.status == TRUNCATE:
            return fault
        if fault.status == RESET:
            self.close_connection = True
            return fault
        content_type, body = _fault_body(kind, int(fault.status))
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        self._send(int(fault.status), body, content_type, headers)
        return fault


# --- token host ---------------------------------------------------------------------------------


class TokenHandler(_Handler):
    def do_POST(self) -> None:
        path, _ = self._path_and_query()
        body = self._read_body()
        if path != "/oauth/token":
            self._send_json(404, {"error": "not_found", "error_description": "Unknown path"})
            return
        self.core.stats.request("token")
        if self._injected_fault("token"):
            return
        if not self.core.tokens.client_matches(self.headers.get("Authorization")):
            self._send_json(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                {"WWW-Authenticate": 'Basic realm="talkdesk"'},
            )
            return
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            self._oauth_error("invalid_request", "Body must be application/x-www-form-urlencoded")
            return
        form = parse_qs(body.decode("utf-8", "replace"))
        grant_type = form.get("grant_type", [""])[0]
        if not grant_type:
            self._oauth_error("invalid_request", "Missing grant_type parameter")
            return
        if grant_type != "client_credentials":
            self._oauth_error("unsupported_grant_type", f"Unsupported grant_type {grant_type}")
            return
        try:
            token, issued = self.core.tokens.issue(form.get("scope", [None])[0])
        except ScopeNotGranted as missing:
            self._oauth_error("invalid_scope", f"Scope not granted to this client: {missing}")
            return
        self.core.stats.token_issued()
        payload = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": math.ceil(issued.lifetime_s),
            "scope": self.core.tokens.granted_scope_string(issued),
        }
        if not self.core.token_scope_in_response:
            del payload["scope"]
        self._send_json(200, payload, {"Cache-Control": "no-store"})

    def _oauth_error(self, error: str, description: str) -> None:
        self._send_json(400, {"error": error, "error_description": description})


# --- Explore API host ---------------------------------------------------------------------------


def _api_error(code: str, description: str, fields: list[dict] | None = None) -> dict:
    body: dict = {"code": code, "description": description, "message": description}
    if fields is not None:
        body["fields"] = fields
    return body


class ExploreHandler(_Handler):
    def do_POST(self) -> None:
        path, _ = self._path_and_query()
        body = self._read_body()
        match = _API_PATH.match(path)
        if not match or match["kind"] != "jobs" or match["id"]:
            self._send_json(404, _api_error("0000404", "Resource not found"))
            return
        self.core.stats.request("create")
        if self._injected_fault("create"):
            return
        if self._authorize(WRITE_SCOPE) and self._known_type(match["type"]):
            self._create(match["type"], body)

    def do_GET(self) -> None:
        path, _ = self._path_and_query()
        match = _API_PATH.match(path)
        if not match or not match["id"]:
            self._send_json(404, _api_error("0000404", "Resource not found"))
            return
        kind = "poll" if match["kind"] == "jobs" else "file"
        self.core.stats.request(kind)
        if self._injected_fault(kind):
            return
        if not (self._authorize(READ_SCOPE) and self._known_type(match["type"])):
            return
        job = self.core.jobs.get(match["type"], match["id"])
        if job is None:
            self._send_json(404, _api_error("0330404", "Report job not found"))
        elif kind == "poll":
            self._poll(job)
        else:
            self._file(job)

    # --- checks ---

    def _authorize(self, scope: str) -> bool:
        header = self.headers.get("Authorization") or ""
        issued: IssuedToken | None = None
        if header.startswith("Bearer "):
            issued = self.core.tokens.lookup(header[7:].strip())
        if issued is None:
            self._send_json(
                401,
                _api_error("1001401", "Unauthorized: invalid or expired token"),
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
            return False
        if scope not in issued.scopes:
            self._send_json(403, _api_error("1001403", f"Forbidden: token lacks scope {scope}"))
            return False
        return True

    def _known_type(self, report_type: str) -> bool:
        if self.core.dataset.knows(report_type):
            return True
        self._send_json(404, _api_error("0330405", f"Unknown report type {report_type}"))
        return False

    # --- endpoints ---

    def _create(self, report_type: str, raw: bytes) -> None:
        try:
            request = json.loads(raw or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            request = None
        if not isinstance(request, dict):
            malformed = FieldError("body", "must be a JSON object").as_json()
            self._send_json(400, _api_error("0330400", "Malformed request body", [malformed]))
            return
        validated = validate_job_request(request, self.core.clock.now())
        if isinstance(validated, FieldError):
            self._send_json(400, _api_error("0330400", "Invalid request", [validated.as_json()]))
            return
        created_at = self.core.clock.now()
        late_after = created_at - timedelta(seconds=self.core.current_visibility_delay())
        try:
            job = self.core.jobs.create(
                report_type, validated, created_at, visible_until=min(validated.end, late_after)
            )
        except QuotaExceeded:
            retry_after = self.core.current_retry_after()
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            self._send_json(
                429,
                _api_error("0330429", "Too many requests: simultaneous report quota exceeded"),
                headers,
            )
            return
        self._send_json(self.core.create_status_code, self._job_body(job, "created"))

    def _poll(self, job: Job) -> None:
        status = self.core.job_status(job)
        if status == "done":
            location = f"/data/reports/{job.report_type}/files/{job.id}"
            self._send_json(
                self.core.current_redirect_code(),
                self._job_body(job, status),
                {"Location": location},
            )
        else:
            self._send_json(200, self._job_body(job, status))

    def _file(self, job: Job) -> None:
        status = self.core.job_status(job)
        if status in ACTIVE_STATUSES:
            self._send_json(200, self._job_body(job, status))
            return
        if status != "done":
            self._send_json(404, _api_error("0330406", f"Report file not available: job {status}"))
            return
        path = f"/reports/{job.report_type}/{job.id}.json"
        expires, signature = self.core.signer.sign(path, self.core.clock.epoch())
        location = f"{self.core.storage_url}{path}?expires={expires}&signature={signature}"
        self._send_json(
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


class StorageHandler(_Handler):
    def do_GET(self) -> None:
        path, query = self._path_and_query()
        self.core.stats.request("storage")
        fault = self._injected_fault("storage")
        if fault is not None and fault.status != TRUNCATE:
            return
        if self.headers.get("Authorization") is not None:
            # A pre-signed GET plus an Authorization header is two auth mechanisms; S3 refuses it.
            self.core.stats.storage_with_authorization()
            self._send_xml(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be specified",
            )
            return
        match = _STORAGE_PATH.match(path)
        job = self.core.jobs.get(match["type"], match["id"]) if match else None
        if job is None or self.core.job_status(job) != "done":
            self._send_xml(404, "NoSuchKey", "The specified key does not exist.")
            return
        verdict = self.core.signer.verify(
            path,
            query.get("expires", [None])[0],
            query.get("signature", [None])[0],
            self.core.clock.epoch(),
        )
        if verdict == "expired":
            self._send_xml(403, "AccessDenied", "Request has expired")
            return
        if verdict != "ok":
            self._send_xml(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
            return
        self._stream_report(job, truncate=fault is not None)

    def _send_xml(self, status: int, code: str, message: str) -> None:
        self._send(status, _s3_error(code, message), "application/xml")

    def _stream_report(self, job: Job, truncate: bool = False) -> None:
        entries = job.entries(self.core.dataset)
        chunks = list(_report_chunks(job.report_type, entries))
        gzipped = self.core.current_gzip_reports()
        if gzipped:
            # Stored with Content-Encoding: gzip, as S3 serves objects uploaded compressed.
            packed = gzip.compress(b"".join(chunks))
            chunks = [packed[i : i + _STREAM_CHUNK] for i in range(0, len(packed), _STREAM_CHUNK)]
        length = sum(len(chunk) for chunk in chunks)
        self.core.stats.response(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if truncate:
            # The connection drops mid-body: the client sees fewer bytes than announced.
            self.wfile.write(b"".join(chunks)[: length // 2])
            self.close_connection = True
            return
        for chunk in chunks:
            self.wfile.write(chunk)


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
    tail = {"total": len(entries)}
    if report_type in VERSIONED_REPORTS:
        tail.update({"type": report_type, "version": "v1"})
    buffer.append(b"], " + json.dumps(tail)[1:].encode())
    yield b"".join(buffer)


_GATEWAY_PAGE = (
    "<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center>"
    "<hr><center>sandbox-gateway</center></body></html>"
)


def _fault_body(kind: str, status: int) -> tuple[str, bytes]:
    """What each host says when it fails: HTML from gateways, JSON from the API, XML from S3."""
    if kind == "storage":
        code = {500: "InternalError", 503: "SlowDown"}.get(status, "ServiceUnavailable")
        return "application/xml", _s3_error(code, f"Injected storage failure {status}")
    if status in (502, 504) or (kind == "token" and status >= 500):
        return "text/html", _GATEWAY_PAGE.format(status=status).encode()
    if status == 429:
        body = _api_error("0330429", "Too many requests")
    elif kind == "create" and status == 503:
        body = _api_error("0330503", "Unable to audit operation")
    elif kind == "token":
        body = {"error": "temporarily_unavailable", "error_description": f"HTTP {status}"}
    else:
        body = _api_error(f"0330{status}", f"Injected failure {status}")
    return "application/json", json.dumps(body).encode()
