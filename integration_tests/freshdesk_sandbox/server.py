"""HTTP front of the sandbox: request pipeline, pagination, Link headers and the /_sandbox controls."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
import uuid
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from integration_tests.sandbox_http import (
    RESET,
    Fault,
    FaultPlan,
    Request,
    RequestStats,
    Response,
    Router,
    SandboxServer,
    answer_with_faults,
    write_self_signed_certificate,
)
from integration_tests.sandbox_http.messages import basic_credentials, error_page
from integration_tests.sandbox_http.tls import server_context

from .attachments import FILES_PREFIX
from .clock import ServerClock
from .quirks import FeatureGates, RateLimiter, ScheduledMutations
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
    page_limit_body,
    require_feature_body,
)
from .settings import KNOWN_FEATURES, PlanName, RetryAfterStyle, SandboxSettings
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
HANG_UP = 0
INTERNAL_ERROR = {"code": "internal_error", "message": "Something went wrong. Please try again."}
RATE_LIMITED = {"message": "You have exceeded the limit of requests per minute"}
INJECTED_JSON_BODIES: dict[int, Any] = {
    401: INVALID_CREDENTIALS,
    403: ACCESS_DENIED,  # the intermittent access_denied seen on /tickets (singer-io issue 28)
    429: RATE_LIMITED,
}
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


def normalise_path(path: str) -> str:
    """/api/v2/tickets/17/conversations -> /api/v2/tickets/{id}/conversations"""
    return _ID_SEGMENT.sub("/{id}", path)


def _span(start: float | None, end: float | None) -> float | None:
    return end - start if start is not None and end is not None else None


def _injected_response(fault: Fault) -> Response:
    status = int(fault.status)
    if fault.html:
        return Response.html(status, error_page(status))
    return Response.json(status, INJECTED_JSON_BODIES.get(status, INTERNAL_ERROR))


class FreshdeskSandbox:
    """A fake Freshdesk account served over HTTP on 127.0.0.1; use as a context manager."""

    def __init__(self, settings: SandboxSettings | None = None, port: int = 0) -> None:
        self.settings = settings or SandboxSettings()
        self.clock = ServerClock(self.settings.now)
        self.store = Store(self.settings, self.clock)
        self.limiter = RateLimiter(self.settings)
        self.faults = FaultPlan()
        # An account state, not a transport fault: every API call answers account_suspended.
        self.suspended = False
        self.gates = FeatureGates(self.settings.disabled_features)
        self._stats = RequestStats()
        self.scheduled = ScheduledMutations()
        # Failures of scheduled mutations, kept for the test to inspect instead of breaking a sync.
        self.scheduled_errors: list[str] = []
        self.routes: Router[Route] = Router()
        for route in build_routes(self.settings.legacy_skills_route_404):
            self.routes.add("GET", route.pattern, route)
        self._port = port
        self._server: SandboxServer | None = None
        # TLS mode only: the directory holding the certificate and key made at start().
        self._tls_dir: Path | None = None

    # ---- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FreshdeskSandbox:
        context = None
        if self.settings.tls:
            self._tls_dir = Path(tempfile.mkdtemp(prefix="freshdesk-sandbox-tls-"))
            hosts = {*self.settings.account_hosts, "127.0.0.1", "localhost"}
            context = server_context(
                *write_self_signed_certificate(hosts, self._tls_dir, "Freshdesk sandbox")
            )
        self._server = SandboxServer(self._handle, self._port, context, "freshdesk-sandbox")
        # Signed export files live on another host name of this server, like S3 beside the API.
        self.store.file_base_url = f"{self.scheme}://localhost:{self.port}"
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        self._server = None
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None

    def __enter__(self) -> FreshdeskSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return self._server.port

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
        counts = self._stats.snapshot()
        return {
            "requests": counts["requests"],
            "by_path": counts["by_key"],
            "by_status": counts["by_status"],
            "rate_limited": counts["by_status"].get(429, 0),
            "credits_used": counts["counters"].get("credits", 0),
            # Credits charged to each list's own budget (tickets_list, contacts_list).
            "list_credits_used": {
                name.removeprefix("credits:"): value
                for name, value in counts["counters"].items()
                if name.startswith("credits:")
            },
            # Seconds from the first request's arrival to the last response (None before one).
            "active_s": _span(counts["first_request_at"], counts["last_response_at"]),
        }

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
        plan: PlanName | None = None,
    ) -> None:
        self.limiter.configure(
            total, window_seconds, tickets_list, contacts_list, retry_after, plan
        )

    def inject_errors(
        self,
        path_prefix: str = "/api/v2/",
        statuses: list[int] | None = None,
        html_body: bool = True,
    ) -> None:
        for status in statuses or [500]:
            if int(status) == HANG_UP:
                self.faults.add(path_prefix, Fault(RESET))
                continue
            # The documented 429 always says when to retry; inject_fault can say otherwise.
            retry_after = "1" if status == 429 else None
            self.faults.add(path_prefix, Fault(int(status), retry_after, html_body))

    def inject_fault(
        self,
        fault: int | str,
        path_prefix: str = "/api/v2/",
        count: int = 1,
        retry_after: str | None = None,
        html_body: bool = False,
        seconds: float = 0.0,
    ) -> None:
        """Queue `count` one-shot faults on the next API requests under path_prefix: an HTTP
        status (with a verbatim Retry-After, or none), "reset", "latency" (`seconds`), or one that
        spoils the next 200: "malformed" (half the JSON), "truncate" (connection cut mid-body),
        "empty" (no body)."""
        status = int(fault) if isinstance(fault, int) or fault.isdigit() else fault
        self.faults.add(path_prefix, Fault(status, retry_after, html_body, seconds), count)

    def pending_faults(self) -> int:
        """How many queued one-shot faults have not struck yet."""
        return self.faults.pending()

    def inject_latency(self, seconds: float = 0.05, path_prefix: str = "") -> None:
        self.faults.set_latency(seconds, path_prefix)

    def inject_malformed_json(self, path_prefix: str = "/api/v2/", count: int = 1) -> None:
        self.faults.add(path_prefix, Fault("malformed"), count)

    def gate_feature(self, feature: str, after_requests: int = 0) -> None:
        if feature not in KNOWN_FEATURES:
            raise ValueError(f"unknown feature {feature!r}; known: {KNOWN_FEATURES}")
        self.gates.gate(feature, after_requests)

    def enable_feature(self, feature: str) -> None:
        self.gates.enable(feature)

    def suspend_account(self, suspended: bool = True) -> None:
        self.suspended = bool(suspended)

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

    def expire_attachment_links(self) -> None:
        """Every attachment URL served so far answers 403 "Request has expired" from now on."""
        self.store.attachment_links.expire_all()

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
            "expire_attachment_links",
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
            "inject_fault",
            "inject_latency",
            "inject_malformed_json",
            "gate_feature",
            "enable_feature",
            "suspend_account",
            "reset_stats",
            "schedule_mutation",
        }
    )

    def _control(self, method: str, path: str, body: bytes) -> Response:
        name = path[len("/_sandbox/") :]
        if method == "GET" and name == "health":
            return Response.json(200, {"status": "ok", "base_url": self.base_url})
        if method == "GET" and name == "stats":
            return Response.json(200, self.stats())
        if method == "GET" and name.startswith("records/"):
            try:
                return Response.json(200, self.records(name[len("records/") :]))
            except KeyError as exc:
                return Response.json(404, {"message": str(exc)})
        if method != "POST" or name not in self._CONTROLS:
            return Response.json(404, {"message": f"unknown sandbox control {name!r}"})
        try:
            kwargs = json.loads(body or b"{}")
            result = getattr(self, name)(**kwargs)
        except (TypeError, ValueError, KeyError) as exc:
            return Response.json(400, {"message": f"{type(exc).__name__}: {exc}"})
        return Response.json(200, result if result is not None else {"ok": True})

    def _handle(self, request: Request) -> Response:
        arrived_at = time.monotonic()  # before any injected latency: when the client asked
        path = request.path.rstrip("/") or "/"
        if path.startswith("/_sandbox/"):
            return self._control(request.method, path, request.body)
        if path.startswith(FILES_PREFIX):
            # Storage, not the API: no credits, but counted, so a sync's downloads show.
            response = self.store.attachment_links.serve(path, request.query, request.headers)
            self._stats.request(FILES_PREFIX.rstrip("/"), arrived_at=arrived_at)
            self._stats.response(response.status)
            return response
        if path.startswith("/_files/"):
            return self._signed_file(path, request.query, request.headers)
        host = (request.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        if host not in self.settings.account_hosts:
            response = Response.html(404, UNKNOWN_DOMAIN_HTML)
        else:
            response = answer_with_faults(
                self.faults,
                path,
                lambda: self._api(request.method, path, request.query, request.headers),
                _injected_response,
            )
        self._stats.request(normalise_path(path), arrived_at=arrived_at)
        self._stats.response(response.status)
        return response

    def _signed_file(self, path: str, raw_query: str, headers: Any) -> Response:
        """An export file behind a pre-signed URL: the signature is the only credential, and like
        S3 a second one (the API key's Authorization header) is refused."""
        if headers.get("Authorization"):
            return Response.json(
                400, {"Code": "InvalidArgument", "Message": "Only one auth mechanism allowed"}
            )
        token = path.removeprefix("/_files/activities/").removesuffix(".json")
        if dict(parse_qsl(raw_query)).get("X-Amz-Signature") != token[::-1]:
            return Response.json(403, {"Code": "SignatureDoesNotMatch"})
        content = self.store.activities_file_for_token(token)
        if content is None:
            return Response.json(404, {"Code": "NoSuchKey"})
        return Response.json(200, content)

    def _api(self, method: str, path: str, raw_query: str, headers: Message) -> Response:
        pairs = parse_qsl(raw_query, keep_blank_values=True)
        query = dict(pairs)
        found = self.routes.resolve(method, path)
        route = found[0] if found else None
        # Numeric ids become ints; others (CSAT survey UUIDs) stay strings.
        ids: tuple[Any, ...] = (
            tuple(int(g) if g.isdigit() else g for g in found[1].groups()) if found else ()
        )
        cost = route.cost(query) if route else 1
        role = self._role(headers.get("Authorization"))
        if role is None:
            # Failed logins still count against the account's budget.
            decision = self.limiter.charge(1, None)
            response = Response.json(401, INVALID_CREDENTIALS)
            self._rate_headers(response, decision.total, decision.remaining, 1)
            self._stats.count("credits")
            return response
        decision = self.limiter.charge(cost, route.sub_budget if route else None)
        if not decision.allowed:
            response = Response.json(429, RATE_LIMITED)
            self._rate_headers(response, decision.total, decision.remaining, 0)
            retry_after = self.limiter.retry_after_header(decision.retry_after or 0.0)
            if retry_after is not None:
                response.headers.append(("Retry-After", retry_after))
            return response
        try:
            response = self._serve(method, path, raw_query, query, headers, route, ids, role)
        except ApiError as error:
            response = Response.json(error.status, error.body)
        self._rate_headers(response, decision.total, decision.remaining, cost)
        if response.status == 200 and route is not None:
            if route.feature:
                self.gates.record_success(route.feature)
            self._run_due_mutations(path)
        self._stats.count("credits", cost)
        if route is not None and route.sub_budget:
            self._stats.count(f"credits:{route.sub_budget}", cost)
        return response

    def _run_due_mutations(self, path: str) -> None:
        # The response was already rendered, so this page shows the state before the change.
        for mutation, kwargs in self.scheduled.due(path):
            try:
                getattr(self, mutation)(**kwargs)
            except (KeyError, TypeError, ValueError) as exc:
                self.scheduled_errors.append(f"{mutation}({kwargs}): {exc!r}")

    def _role(self, authorization: str | None) -> str | None:
        credentials = basic_credentials(authorization)
        if credentials is None:
            return None
        key = credentials[0]  # any password is accepted
        if key == self.settings.api_key:
            return "admin"
        if key == self.settings.agent_api_key:
            return "agent"
        return None

    @staticmethod
    def _rate_headers(response: Response, total: int, remaining: int, used: int) -> None:
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
    ) -> Response:
        if self.suspended:
            raise ApiError(403, ACCOUNT_SUSPENDED)
        accept = (headers.get("Accept") or "*/*").lower()
        if not any(kind in accept for kind in ("json", "*/*", "application/*")):
            raise ApiError(406, NOT_ACCEPTABLE)
        if route is None:
            known_path = self.routes.knows_path(path)
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
            return Response.json(200, result)
        start = (page - 1) * per_page
        chunk = result[start : start + per_page]
        has_next = len(result) > start + per_page or (
            self.settings.full_last_page_advertises_next and len(chunk) == per_page
        )
        if isinstance(result, LazyTickets):
            chunk = result.render(chunk)
        response = Response.json(200, chunk)
        if has_next:
            header = "link" if path in ("/api/v2/tickets", "/api/v2/contacts") else "Link"
            response.headers.append((header, self._next_link(path, raw_query, page, headers)))
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
