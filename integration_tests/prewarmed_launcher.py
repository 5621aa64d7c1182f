"""Connector processes for the tests, forked from a process that has already imported the CDK.

A connector process spends about two CPU-seconds importing airbyte_cdk before it reads anything,
and the integration tests start hundreds of them on a two-core machine. A launcher process
imports both sources once; each launch is a `fork()` of it that runs the console script's own
entry function with the test's arguments, environment, working directory and pipes. The child is
a separate process as before: its own pid (SIGKILL reaches it alone), exit code, stdout and
stderr. What it skips is only the interpreter start and the imports, which the packaging tests
still run through the installed console scripts.

`CONNECTOR_LAUNCH=exec` runs every connector through its console script instead.

Protocol, one UNIX-socket connection per launch: the client sends a JSON request
({"script", "args", "env", "cwd"}) with its pipe ends for stdin, stdout and stderr as SCM_RIGHTS
descriptors; the launcher forks, answers {"pid"}, and later {"returncode"} (negative for a
signal, as subprocess reports it) when the child has exited.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import io
import json
import os
import random
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

# The console scripts' entry functions (setup.py's console_scripts).
ENTRY_POINTS = {
    "source-freshdesk": "source_freshdesk.run:run",
    "source-talkdesk-explore": "source_talkdesk_explore.run:run",
}


# --- the launcher process -------------------------------------------------------------------


def _entry(script: str) -> Any:
    module_name, function = ENTRY_POINTS[script].split(":")
    return getattr(importlib.import_module(module_name), function)


def _child(request: Mapping[str, Any], fds: Sequence[int]) -> None:
    """In the forked child: become the console script. Its exit (or an uncaught exception)
    ends this interpreter the way it ends the script's: atexit handlers, non-daemon threads
    joined, streams flushed."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    random.seed()
    unbuffered = bool(request["env"].get("PYTHONUNBUFFERED"))
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout = sys.__stdout__ = _text_stream(1, unbuffered)
    sys.stderr = sys.__stderr__ = _text_stream(2, True)
    sys.argv = [request["script"], *request["args"]]
    sys.exit(_entry(request["script"])())


def _text_stream(fd: int, write_through: bool) -> TextIO:
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding="utf-8",
        line_buffering=write_through,
        write_through=write_through,
    )


def serve(socket_path: str) -> None:
    """The launcher's loop: fork a child per request, report each exit. Single-threaded, so a
    fork copies no lock held by another thread."""
    for script in ENTRY_POINTS:
        _entry(script)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    # SIGCHLD wakes the loop through this pair, so an exit is reported at once.
    wake_read, wake_write = socket.socketpair()
    wake_write.setblocking(False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_write.fileno())
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    # The test process holds our stdin open: end of file means it is gone, however it ended.
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ)
    print("ready", flush=True)
    children: dict[int, socket.socket] = {}
    while True:
        for key, _ in selector.select(timeout=1.0):
            if key.fileobj is wake_read:
                wake_read.recv(4096)
                continue
            if key.fileobj == sys.stdin.fileno():
                if not os.read(sys.stdin.fileno(), 4096):
                    return
                continue
            connection, _ = listener.accept()
            message, fds, _flags, _address = socket.recv_fds(connection, 1 << 20, 3)
            pid = os.fork()
            if pid == 0:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                for open_socket in (listener, connection, wake_read, wake_write):
                    open_socket.close()
                _child(json.loads(message), fds)
            for fd in fds:
                os.close(fd)
            connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            children[pid] = connection
        _report_exits(children)


def _report_exits(children: dict[int, socket.socket]) -> None:
    while children:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is None:
            continue
        returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        # A client that went away gets no answer; the child is reaped all the same.
        with contextlib.suppress(OSError):
            connection.sendall(json.dumps({"returncode": returncode}).encode() + b"\n")
        connection.close()


# --- the client side ------------------------------------------------------------------------


class _Launcher:
    """One launcher process per test process, started on first use."""

    _lock = threading.Lock()
    _instance: _Launcher | None = None

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="connector-launcher-")
        self.socket_path = str(Path(self._dir.name) / "launcher.sock")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "integration_tests.prewarmed_launcher", self.socket_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self._process.stdout is not None
        if self._process.stdout.readline().strip() != "ready":
            raise RuntimeError("the connector launcher did not start")
        atexit.register(self.close)

    @classmethod
    def shared(cls) -> _Launcher:
        with cls._lock:
            if cls._instance is None or cls._instance._process.poll() is not None:
                cls._instance = cls()
            return cls._instance

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()  # the launcher's signal to end
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._dir.cleanup()


class LaunchedProcess:
    """The part of `subprocess.Popen` the tests use, for a child of the launcher."""

    def __init__(
        self,
        script: str,
        args: Sequence[str],
        env: Mapping[str, str],
        capture_stderr: bool = True,
        errors: str = "strict",
    ) -> None:
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe() if capture_stderr else (-1, -1)
        null = os.open(os.devnull, os.O_RDWR)
        self._connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._connection.connect(_Launcher.shared().socket_path)
        request = {"script": script, "args": list(args), "env": dict(env), "cwd": os.getcwd()}
        child_fds = [null, stdout_write, stderr_write if capture_stderr else null]
        socket.send_fds(self._connection, [json.dumps(request).encode()], child_fds)
        for fd in {null, stdout_write, stderr_write} - {-1}:
            os.close(fd)
        self._unread = b""
        self.pid: int = self._answer(None)["pid"]
        self.stdout: TextIO = open(stdout_read, encoding="utf-8", errors=errors)  # noqa: SIM115
        self.stderr: TextIO | None = (
            open(stderr_read, encoding="utf-8", errors=errors)  # noqa: SIM115
            if capture_stderr
            else None
        )
        self.returncode: int | None = None
        self.args = [script, *args]

    def poll(self) -> int | None:
        return self.returncode

    def _answer(self, timeout: float | None) -> dict[str, Any]:
        """The launcher's next answer line. Read with plain recv into our own buffer (not a
        socket file, which a timeout leaves unusable), so a wait that timed out can be waited
        again."""
        self._connection.settimeout(timeout)
        while b"\n" not in self._unread:
            chunk = self._connection.recv(4096)
            if not chunk:
                raise RuntimeError("the connector launcher went away")
            self._unread += chunk
        line, _, self._unread = self._unread.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            try:
                self.returncode = int(self._answer(timeout)["returncode"])
            except TimeoutError:
                raise subprocess.TimeoutExpired(self.args, timeout or 0) from None
            self._connection.close()
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """Both pipes read to their end (in threads, so neither can fill up), then the exit."""
        texts: dict[str, str] = {}
        readers = [
            threading.Thread(target=lambda n=name, s=stream: texts.__setitem__(n, s.read()))
            for name, stream in (("stdout", self.stdout), ("stderr", self.stderr))
            if stream is not None
        ]
        for reader in readers:
            reader.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for reader in readers:
            reader.join(None if deadline is None else max(deadline - time.monotonic(), 0))
            if reader.is_alive():
                self.kill()
                self.wait()
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
        self.wait(None if deadline is None else max(deadline - time.monotonic(), 0.1))
        for stream in (self.stdout, self.stderr):
            if stream is not None:
                stream.close()
        return texts.get("stdout", ""), texts.get("stderr", "")


def prewarmed() -> bool:
    return os.environ.get("CONNECTOR_LAUNCH", "fork") != "exec"


if __name__ == "__main__":
    serve(sys.argv[1])
