"""HTTP front of the sandbox: request pipeline, pagination, Link headers and the /_sandbox controls."""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import http
import ipaddress
import json
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .clock import ServerClock
from .quirks import Faults, FeatureGates, RateLimiter, ScheduledMutations, Stats
from .routes import (
    ACCESS_DENIED,
    ACCOUNT_SUSPENDED,
    INVALID_CREDENTIALS,
    ApiError,
    Call,
    LazyTickets,
    Route,
    ValidationFailed,
    build_routes,
    field_error,
    match,
    page_limit_body,
    require_feature_body,
)
from .settings import KNOWN_FEATURES, RetryAfterStyle, SandboxSettings
from .store import Record, Store

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
UNKNOWN_DOMAIN_HTML = (
    "<!DOCTYPE html><html><head><title>Freshdesk | Page not found</title></head>"
    "<body><h1>Oops! This helpdesk does not exist.</h1>"
    "<p>Please check the URL and try again.</p></body></html>"
)
PAGINATION_PARAMS = frozenset({"page", "per_page"})
NOT_ACCEPTABLE = {
    "code": "invalid_accept_header",
    "message": "The Accept header must be application/json or */*.",
}


# inject_errors(statuses=[0]) hangs up without answering: a connection reset mid-sync.
DROP_CONNECTION = 0
INTERNAL_ERROR = {"code": "internal_error", "message": "Something went wrong. Please try again."}
RATE_LIMITED = {"message": "You have exceeded the limit of requests per minute"}
INJECTED_JSON_BODIES: dict[int, Any] = {
    401: INVALID_CREDENTIALS,
    403: ACCESS_DENIED,  # the intermittent access_denied seen on /tickets (singer-io issue 28)
    429: RATE_LIMITED,
}


def _error_html(status: int) -> str:
    phrase = http.HTTPStatus(status).phrase
    return (
        f"<html><head><title>{status} {phrase}</title></head><body><h1>{phrase}</h1></body></html>"
    )


def _injected_response(status: int, html_body: bool) -> _Response:
    if status == DROP_CONNECTION:
        return _Response(DROP_CONNECTION)
    if html_body:
        response = _Response.html(status, _error_html(status))
    else:
        response = _Response.json(status, INJECTED_JSON_BODIES.get(status, INTERNAL_ERROR))
    if status == 429:
        response.headers.append(("Retry-After", "1"))
    return response


class _Response:
    def __init__(self, status: int, body: bytes = b"", content_type: str = "application/json"):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers: list[tuple[str, str]] = []

    @classmethod
    def json(cls, status: int, payload: Any) -> _Response:
        if payload is None:
            return cls(status)
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, data)

    @classmethod
    def html(cls, status: int, text: str) -> _Response:
        return cls(status, text.encode("utf-8"), "text/html; charset=utf-8")


def write_self_signed_certificate(hosts: Iterable[str], directory: Path) -> tuple[Path, Path]:
    """Write a fresh self-signed certificate for `hosts` (names or IPs) and its key; return both paths.

    One certificate that is its own CA: a client trusts it by pointing its CA bundle at the
    certificate file. CA:TRUE, key usages and key identifiers keep strict verifiers
    (Python 3.13's VERIFY_X509_STRICT) happy too.
    """
    # Imported here so the sandbox stays stdlib-only unless TLS is asked for.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = []
    for host in sorted(set(hosts)):
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host.strip("[]"))))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Freshdesk sandbox")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Real time, not the sandbox clock: clients check validity against their own clock.
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "sandbox-cert.pem", directory / "sandbox-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    app: FreshdeskSandbox
    ssl_context: ssl.SSLContext | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def get_request(self) -> tuple[socket.socket, Any]:
        request, client_address = super().get_request()
        if self.ssl_context is not None:
            # The handshake waits for the handler thread (see _Handler.setup): done here, in the
            # accept loop, one slow or distrustful client would stall every other connection.
            request = self.ssl_context.wrap_socket(
                request, server_side=True, do_handshake_on_connect=False
            )
        return request, client_address

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or hang up mid-response are normal under fault injection;
        # anything else is a sandbox bug worth the traceback.
        # A TLS client that rejects the certificate or hangs up mid-handshake is just as normal.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)

    def close_open_connections(self) -> None:
        # Keep-alive connections would otherwise outlive stop() and keep answering.
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()
        # Headers and body go out in one write, but keep Nagle off for the odd split write.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: requests carry Authorization headers and tests read stdout

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        try:
            response = self.server.app._handle(self.command, self.path, self.headers, body)
        except Exception as exc:  # a sandbox bug must still answer, not hang the client
            response = _Response.json(500, {"code": "sandbox_error", "message": repr(exc)})
        self._write(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def _write(self, response: _Response) -> None:
        if response.status == DROP_CONNECTION:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        phrase = http.HTTPStatus(response.status).phrase
        lines = [f"HTTP/1.1 {response.status} {phrase}"]
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            ("Date", self.date_time_string()),
            *response.headers,
        ]
        lines += [f"{name}: {value}" for name, value in headers]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + response.body)
        self.wfile.flush()


class FreshdeskSandbox:
    """A fake Freshdesk account served over HTTP on 127.0.0.1; use as a context manager."""

    def __init__(self, settings: SandboxSettings | None = None, port: int = 0) -> None:
        self.settings = settings or SandboxSettings()
        self.clock = ServerClock(self.settings.now)
        self.store = Store(self.settings, self.clock)
        self.limiter = RateLimiter(self.settings)
        self.faults = Faults()
        self.gates = FeatureGates(self.settings.disabled_features)
        self._stats = Stats()
        self.scheduled = ScheduledMutations()
        # Failures of scheduled mutations, kept for the test to inspect instead of breaking a sync.
        self.scheduled_errors: list[str] = []
        self.routes: list[Route] = build_routes(self.settings.legacy_skills_route_404)
        self._port = port
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        # TLS mode only: the directory holding the certificate and key made at start().
        self._tls_dir: Path | None = None

    # ---- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FreshdeskSandbox:
        server = _HTTPServer(("127.0.0.1", self._port), _Handler)
        server.app = self
        if self.settings.tls:
            try:
                server.ssl_context = self._tls_context()
            except BaseException:
                server.server_close()
                raise
        self._server = server
        # Signed export files live on another host name of this server, like S3 beside the API.
        self.store.file_base_url = f"{self.scheme}://localhost:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_open_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None

    def _tls_context(self) -> ssl.SSLContext:
        self._tls_dir = Path(tempfile.mkdtemp(prefix="freshdesk-sandbox-tls-"))
        hosts = {*self.settings.account_hosts, "127.0.0.1", "localhost"}
        cert_path, key_path = write_self_signed_certificate(hosts, self._tls_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context

    def __enter__(self) -> FreshdeskSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return self._server.server_address[1]

    @property
    def scheme(self) -> str:
        return "https" if self.settings.tls else "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> str:
        """TLS mode: the certificate file a client must trust (REQUESTS_CA_BUNDLE, SSL_CERT_FILE)."""
        if self._tls_dir is None:
            raise RuntimeError("the sandbox is not serving TLS (settings.tls) or is not running")
        return str(self._tls_dir / "sandbox-cert.pem")

    @property
    def api_key(self) -> str:
        return self.settings.api_key

    @property
    def agent_api_key(self) -> str:
        return self.settings.agent_api_key

    # ---- ground truth and stats ----------------------------------------------------------------
    def records(self, stream: str) -> list[Record]:
        return self.store.records(stream)

    def stats(self) -> dict[str, Any]:
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()

    # ---- runtime controls ----------------------------------------------------------------------
    def set_rate_limit(
        self,
        total: int | None = 200,
        window_seconds: float = 60.0,
        tickets_list: int | None = None,
        contacts_list: int | None = None,
        retry_after: RetryAfterStyle = "int",
    ) -> None:
        self.limiter.configure(total, window_seconds, tickets_list, contacts_list, retry_after)

    def inject_errors(
        self,
        path_prefix: str = "/api/v2/",
        statuses: list[int] | None = None,
        html_body: bool = True,
    ) -> None:
        self.faults.inject_errors(path_prefix, statuses or [500], html_body)

    def inject_latency(self, seconds: float = 0.05, path_prefix: str = "") -> None:
        self.faults.inject_latency(seconds, path_prefix)

    def inject_malformed_json(self, path_prefix: str = "/api/v2/", count: int = 1) -> None:
        self.faults.inject_malformed_json(path_prefix, count)

    def gate_feature(self, feature: str, after_requests: int = 0) -> None:
        if feature not in KNOWN_FEATURES:
            raise ValueError(f"unknown feature {feature!r}; known: {KNOWN_FEATURES}")
        self.gates.gate(feature, after_requests)

    def enable_feature(self, feature: str) -> None:
        self.gates.enable(feature)

    def suspend_account(self, suspended: bool = True) -> None:
        self.faults.suspended = bool(suspended)

    def schedule_mutation(
        self, mutation: str, after_requests: int = 1, path_prefix: str = "/api/v2/", **kwargs: Any
    ) -> None:
        """Apply a mutation (e.g. "update_ticket", ticket_id=7) right after the Nth more
        successful request whose path starts with path_prefix: a record changing mid-sync."""
        if mutation not in self._MUTATIONS:
            raise ValueError(f"unknown mutation {mutation!r}; known: {sorted(self._MUTATIONS)}")
        self.scheduled.schedule(path_prefix, after_requests, mutation, kwargs)

    # ---- mutations between syncs ---------------------------------------------------------------
    def update_ticket(self, ticket_id: int, **fields: Any) -> Record:
        return self.store.update_ticket(ticket_id, **fields)

    def create_ticket(self, **fields: Any) -> Record:
        return self.store.create_ticket(**fields)

    def add_conversation(self, ticket_id: int, **fields: Any) -> Record:
        return self.store.add_conversation(ticket_id, **fields)

    def delete_ticket(self, ticket_id: int) -> Record:
        return self.store.delete_ticket(ticket_id)

    def mark_spam(self, ticket_id: int) -> Record:
        return self.store.mark_spam(ticket_id)

    def update_contact(self, contact_id: int, **fields: Any) -> Record:
        return self.store.update_contact(contact_id, **fields)

    def update_company(self, company_id: int, **fields: Any) -> Record:
        return self.store.update_record("companies", company_id, **fields)

    def update_satisfaction_rating(self, rating_id: int, **fields: Any) -> Record:
        return self.store.update_record("satisfaction_ratings", rating_id, **fields)

    def update_time_entry(self, entry_id: int, **fields: Any) -> Record:
        return self.store.update_record("time_entries", entry_id, **fields)

    def update_record(self, stream_name: str, record_id: int, **fields: Any) -> Record:
        return self.store.update_record(stream_name, record_id, **fields)

    # ---- request pipeline ----------------------------------------------------------------------
    _MUTATIONS = frozenset(
        {
            "update_ticket",
            "create_ticket",
            "add_conversation",
            "delete_ticket",
            "mark_spam",
            "update_contact",
            "update_company",
            "update_satisfaction_rating",
            "update_time_entry",
            "update_record",
        }
    )
    _CONTROLS = _MUTATIONS | frozenset(
        {
            "set_rate_limit",
            "inject_errors",
            "inject_latency",
            "inject_malformed_json",
            "gate_feature",
            "enable_feature",
            "suspend_account",
            "reset_stats",
            "schedule_mutation",
        }
    )

    def _control(self, method: str, path: str, body: bytes) -> _Response:
        name = path[len("/_sandbox/") :]
        if method == "GET" and name == "health":
            return _Response.json(200, {"status": "ok", "base_url": self.base_url})
        if method == "GET" and name == "stats":
            return _Response.json(200, self.stats())
        if method == "GET" and name.startswith("records/"):
            try:
                return _Response.json(200, self.records(name[len("records/") :]))
            except KeyError as exc:
                return _Response.json(404, {"message": str(exc)})
        if method != "POST" or name not in self._CONTROLS:
            return _Response.json(404, {"message": f"unknown sandbox control {name!r}"})
        try:
            kwargs = json.loads(body or b"{}")
            result = getattr(self, name)(**kwargs)
        except (TypeError, ValueError, KeyError) as exc:
            return _Response.json(400, {"message": f"{type(exc).__name__}: {exc}"})
        return _Response.json(200, result if result is not None else {"ok": True})

    def _handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> _Response:
        split = urlsplit(raw_path)
        path = split.path.rstrip("/") or "/"
        if path.startswith("/_sandbox/"):
            return self._control(method, path, body)
        if path.startswith("/_files/"):
            return self._signed_file(path, split.query, headers)
        response, credits = self._api(method, path, split.query, headers)
        self._stats.record(path, response.status, credits)
        return response

    def _signed_file(self, path: str, raw_query: str, headers: Any) -> _Response:
        """An export file behind a pre-signed URL: the signature is the only credential, and like
        S3 a second one (the API key's Authorization header) is refused."""
        if headers.get("Authorization"):
            return _Response.json(
                400, {"Code": "InvalidArgument", "Message": "Only one auth mechanism allowed"}
            )
        token = path.removeprefix("/_files/activities/").removesuffix(".json")
        if dict(parse_qsl(raw_query)).get("X-Amz-Signature") != token[::-1]:
            return _Response.json(403, {"Code": "SignatureDoesNotMatch"})
        content = self.store.activities_file_for_token(token)
        if content is None:
            return _Response.json(404, {"Code": "NoSuchKey"})
        return _Response.json(200, content)

    def _api(self, method: str, path: str, raw_query: str, headers: Any) -> tuple[_Response, int]:
        host = (headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        if host not in self.settings.account_hosts:
            return _Response.html(404, UNKNOWN_DOMAIN_HTML), 0
        injected = self.faults.next_error(path)
        if injected is not None:
            return _injected_response(*injected), 0
        delay = self.faults.latency_for(path)
        if delay:
            time.sleep(delay)

        pairs = parse_qsl(raw_query, keep_blank_values=True)
        query = dict(pairs)
        found = match(self.routes, path) if method == "GET" else None
        route, ids = found if found else (None, ())
        cost = route.cost(query) if route else 1
        role = self._role(headers.get("Authorization"))
        if role is None:
            # Failed logins still count against the account's budget.
            decision = self.limiter.charge(1, None)
            response = _Response.json(401, INVALID_CREDENTIALS)
            self._rate_headers(response, decision.total, decision.remaining, 1)
            return response, 1
        decision = self.limiter.charge(cost, route.sub_budget if route else None)
        if not decision.allowed:
            response = _Response.json(429, RATE_LIMITED)
            self._rate_headers(response, decision.total, decision.remaining, 0)
            retry_after = self.limiter.retry_after_header(decision.retry_after or 0.0)
            if retry_after is not None:
                response.headers.append(("Retry-After", retry_after))
            return response, 0
        try:
            response = self._serve(method, path, raw_query, query, headers, route, ids, role)
        except ApiError as error:
            response = _Response.json(error.status, error.body)
        self._rate_headers(response, decision.total, decision.remaining, cost)
        if response.status == 200 and route is not None:
            if route.feature:
                self.gates.record_success(route.feature)
            self._run_due_mutations(path)
        return response, cost

    def _run_due_mutations(self, path: str) -> None:
        # The response was already rendered, so this page shows the state before the change.
        for mutation, kwargs in self.scheduled.due(path):
            try:
                getattr(self, mutation)(**kwargs)
            except (KeyError, TypeError, ValueError) as exc:
                self.scheduled_errors.append(f"{mutation}({kwargs}): {exc!r}")

    def _role(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Basic "):
            return None
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        key = decoded.split(":", 1)[0]  # any password is accepted
        if key == self.settings.api_key:
            return "admin"
        if key == self.settings.agent_api_key:
            return "agent"
        return None

    @staticmethod
    def _rate_headers(response: _Response, total: int, remaining: int, used: int) -> None:
        # Mixed case on purpose, as in the docs' example: clients must match case-insensitively.
        response.headers += [
            ("X-Ratelimit-Total", str(total)),
            ("X-Ratelimit-Remaining", str(remaining)),
            ("X-Ratelimit-Used-CurrentRequest", str(used)),
            ("X-Freshdesk-Api-Version", "latest=v2; requested=v2"),
            ("X-Request-Id", str(uuid.uuid4())),
        ]

    def _serve(
        self,
        method: str,
        path: str,
        raw_query: str,
        query: dict[str, str],
        headers: Any,
        route: Route | None,
        ids: tuple[int, ...],
        role: str,
    ) -> _Response:
        if self.faults.suspended:
            raise ApiError(403, ACCOUNT_SUSPENDED)
        accept = (headers.get("Accept") or "*/*").lower()
        if not any(kind in accept for kind in ("json", "*/*", "application/*")):
            raise ApiError(406, NOT_ACCEPTABLE)
        if route is None:
            known_path = match(self.routes, path) is not None
            raise ApiError(405 if known_path and method != "GET" else 404)
        if route.admin_only and role != "admin":
            raise ApiError(403, route.denied_body)
        if route.feature and self.gates.is_disabled(route.feature):
            raise ApiError(403, require_feature_body(route.feature))

        errors = []
        if self.settings.strict_query_params:
            errors += [
                field_error(name, "Unexpected/invalid field in request", "invalid_field")
                for name in query
                if name not in route.params and not (route.paginated and name in PAGINATION_PARAMS)
            ]
        page, per_page = 1, DEFAULT_PER_PAGE
        if route.paginated:
            per_page_raw = query.get("per_page")
            if per_page_raw is not None:
                if per_page_raw.isdigit() and 1 <= int(per_page_raw) <= MAX_PER_PAGE:
                    per_page = int(per_page_raw)
                else:
                    errors.append(
                        field_error(
                            "per_page", "It should be a Positive Integer less than or equal to 100"
                        )
                    )
            page_raw = query.get("page")
            if page_raw is not None:
                if page_raw.isdigit() and int(page_raw) >= 1:
                    page = int(page_raw)
                else:
                    errors.append(field_error("page", "It should be a Positive Integer"))
        if errors:
            raise ValidationFailed(errors)
        if route.page_capped and page > self.settings.max_ticket_pages:
            raise ApiError(400, page_limit_body(self.settings.max_ticket_pages))

        result = route.handler(Call(self.store, ids, query))
        if not route.paginated:
            return self._json_ok(path, result)
        start = (page - 1) * per_page
        chunk = result[start : start + per_page]
        has_next = len(result) > start + per_page or (
            self.settings.full_last_page_advertises_next and len(chunk) == per_page
        )
        if isinstance(result, LazyTickets):
            chunk = result.render(chunk)
        response = self._json_ok(path, chunk)
        if has_next:
            header = "link" if path in ("/api/v2/tickets", "/api/v2/contacts") else "Link"
            response.headers.append((header, self._next_link(path, raw_query, page, headers)))
        return response

    def _json_ok(self, path: str, payload: Any) -> _Response:
        response = _Response.json(200, payload)
        if self.faults.take_malformed(path):
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _next_link(self, path: str, raw_query: str, page: int, headers: Any) -> str:
        # Repeat the caller's params verbatim (encoding included), only the page moves on.
        parts = [p for p in raw_query.split("&") if p]
        kept = [p for p in parts if unquote(p.split("=", 1)[0]) != "page"]
        if self.settings.link_style == "omit_per_page":
            kept = [p for p in kept if unquote(p.split("=", 1)[0]) != "per_page"]
        kept.append(f"page={page + 1}")
        host = headers.get("Host") or f"127.0.0.1:{self.port}"
        url = f"{self.scheme}://{host}{path}?{'&'.join(kept)}"
        if self.settings.link_style == "docs_example":
            return f'< {url}>;rel="next"'
        separator = ";" if self.settings.link_style == "no_space" else "; "
        return f'<{url}>{separator}rel="next"'
