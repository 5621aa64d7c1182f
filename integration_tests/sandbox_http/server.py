"""A threaded HTTP/1.1 server on 127.0.0.1 that hands each request to an app and writes what the
app answers, transport faults included. Optional TLS; stop() also closes keep-alive connections."""

from __future__ import annotations

import contextlib
import http
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .messages import Request, Response

App = Callable[[Request], Response]
# Bodies go out in pieces, so a large report reaches the client progressively.
_WRITE_CHUNK = 64 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # The default backlog of 5 drops SYNs when a client opens many connections at once, and each
    # drop costs a one-second retransmit that would distort benchmarks.
    request_queue_size = 128

    def __init__(self, app: App, ssl_context: ssl.SSLContext | None, port: int) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

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
        # Clients that time out, hang up mid-response (a killed sync) or reject the certificate
        # are normal traffic; anything else is a sandbox bug worth the traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)

    def close_open_connections(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    # Idle keep-alive connections are dropped eventually so handler threads do not linger;
    # generous, because a client may back off for a minute between requests.
    timeout = 120

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: request lines carry credentials and URL signatures; tests read stdout

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        request = Request(self.command, parts.path, parts.query, self.headers, body)
        try:
            response = self.server.app(request)
        except Exception as exc:  # a sandbox bug must still answer, not hang the client
            response = Response.json(500, {"code": "sandbox_error", "message": repr(exc)})
        self._write(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def _write(self, response: Response) -> None:
        if response.reset:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        phrase = http.HTTPStatus(response.status).phrase
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            ("Date", self.date_time_string()),
            *response.headers,
        ]
        head = "\r\n".join(
            [f"HTTP/1.1 {response.status} {phrase}"] + [f"{n}: {v}" for n, v in headers]
        )
        body = b"" if self.command == "HEAD" else response.body
        if response.cut_at is not None:
            body = body[: response.cut_at]
            self.close_connection = True
        self.wfile.write(head.encode("latin-1") + b"\r\n\r\n" + body[:_WRITE_CHUNK])
        for start in range(_WRITE_CHUNK, len(body), _WRITE_CHUNK):
            self.wfile.write(body[start : start + _WRITE_CHUNK])
        self.wfile.flush()


class SandboxServer:
    """One app served on 127.0.0.1 (port 0 picks a free one) in a background thread."""

    def __init__(
        self,
        app: App,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        name: str = "sandbox",
    ) -> None:
        self._server = _Server(app, ssl_context, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=name,
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self._server.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        # Keep-alive connections would otherwise outlive stop() and keep answering.
        self._server.close_open_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
