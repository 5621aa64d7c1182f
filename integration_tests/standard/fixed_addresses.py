"""Serve a live sandbox on the fixed loopback addresses the acceptance-test configs name.

The CDK's image tests hand the container those config files unchanged, so the connector inside
calls the fixed addresses. A relay listens on each fixed port and pipes every connection to the
sandbox's ephemeral one. The port is held under a lock file for as long as the relay runs, so test
processes that need the same fixed address take turns instead of failing to bind.
"""

from __future__ import annotations

import fcntl
import socket
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit


def _host_port(address: str) -> tuple[str, int]:
    parts = urlsplit(address)
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"{address!r} names no host and port")
    return parts.hostname, parts.port


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the other side closed first; its own pipe ends the exchange


def _serve(listener: socket.socket, live: tuple[str, int]) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return  # the listener was closed
        try:
            upstream = socket.create_connection(live)
        except OSError:
            client.close()  # the sandbox is gone: the connector sees a closed connection
            continue
        for source, target in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(source, target), daemon=True).start()


@contextmanager
def _relay(fixed: str, live: str) -> Iterator[None]:
    host, port = _host_port(fixed)
    lock_path = Path(tempfile.gettempdir()) / f"helpdesk-airbyte-fixed-{host}-{port}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((host, port))
        except OSError as error:
            listener.close()
            raise RuntimeError(
                f"{fixed} is taken by another program (a sandbox started by hand?): {error}"
            ) from error
        listener.listen(64)
        server = threading.Thread(target=_serve, args=(listener, _host_port(live)), daemon=True)
        server.start()
        try:
            yield
        finally:
            listener.shutdown(socket.SHUT_RDWR)
            listener.close()
            server.join(timeout=5)


@contextmanager
def serve_on_fixed_addresses(addresses: Mapping[str, str]) -> Iterator[None]:
    """Relay each fixed address (key) to its live counterpart (value) while the block runs."""
    with ExitStack() as relays:
        # Always in the same order, so two processes never each hold a port the other waits for.
        for fixed, live in sorted(addresses.items()):
            relays.enter_context(_relay(fixed, live))
        yield
