"""What the Freshdesk benchmarks share: sandbox routes, measured syncs, the official connector.

Every benchmark runs the connector the way the platform does (a console script fed config and
catalog files) and measures that one child process: wall time, CPU seconds (os.wait4) and peak
RSS (its own VmHWM) belong to the sync alone, not to earlier children or to the sandbox in this
process.

Two routes to a sandbox:
- http: a plain sandbox on a free loopback port; only our connector can use it.
- https: the sandbox's TLS mode on 127.0.0.1:443 under the name `benchacct.freshdesk.com`, mapped
  in /etc/hosts for the run only. Airbyte's official connector needs it: its spec requires a
  `*.freshdesk.com` domain without a port, and its url_base is https. Ours runs it too, so the
  ours/official ratio compares the same route.
Anything the https route or the official connector cannot have (no root, port 443 taken, no
Python 3.10, pip failing) is reported as a skipped row, never a crash.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from integration_tests.connector_runner import SyncOutput, console_script, discover_catalog
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

OFFICIAL_VERSION = "3.1.3"
# 3.1.3 asks only for airbyte-cdk>=0,<1; its manifest declares `version: 0.72.2`, so pin that
# one rather than whatever 0.x pip picks.
OFFICIAL_REQUIREMENTS = (f"airbyte-source-freshdesk=={OFFICIAL_VERSION}", "airbyte-cdk==0.72.2")
# The official 3.1.3 wheel requires Python >=3.9,<3.12 (and CDK 0.72 predates 3.12).
OFFICIAL_PYTHON = "/root/.pyenv/versions/3.10.13/bin/python"
DEFAULT_CACHE_DIR = Path("~/.cache/helpdesk-bench").expanduser()

BENCH_HOST = "benchacct.freshdesk.com"
HOSTS_FILE = Path("/etc/hosts")
# Marks our /etc/hosts line, so that restoring removes exactly it (and any left by a killed run).
HOSTS_MARKER = "# helpdesk-bench"
TLS_PORT = 443

# CDK 0.72's HttpRequester calls Session.send() directly, which never reads REQUESTS_CA_BUNDLE
# (only Session.request() merges the environment). requests takes its default bundle from
# certifi.where() at import time, so this shim, first on the official's PYTHONPATH, points
# certifi at the bundle the environment names. The connector's own code is untouched.
CA_SHIM = '''"""helpdesk-bench: make requests' default CA bundle the one REQUESTS_CA_BUNDLE names."""
import os

_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
if _bundle:
    import certifi
    import certifi.core

    certifi.where = certifi.core.where = lambda: _bundle
'''

_RECORD_STREAM_RE = re.compile(
    r'^\{"type": ?"RECORD", ?"record": ?\{(?:"namespace": ?(?:null|"[^"]*"), ?)?"stream": ?"([^"]+)"'
)
_RECORD_PREFIXES = ('{"type":"RECORD"', '{"type": "RECORD"')


class Unavailable(Exception):
    """A route or connector this machine cannot provide; the caller prints why and skips it."""


# ---- command line ----------------------------------------------------------------------------
def parser_for(doc: str | None) -> argparse.ArgumentParser:
    """A parser whose --help shows the benchmark's whole docstring, command line included."""
    return argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--connector",
        default=console_script("source-freshdesk"),
        help="our connector's console script (default: this virtualenv's source-freshdesk), "
        "e.g. /work/baseline/.venv/bin/source-freshdesk",
    )
    parser.add_argument(
        "--num-workers",
        type=int,
        default=None,
        help="config num_workers for our connector (1..16); left out of the config when not given",
    )
    parser.add_argument(
        "--no-official",
        dest="official",
        action="store_false",
        help=f"skip Airbyte's official source-freshdesk {OFFICIAL_VERSION} (and the https route)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE_DIR,
        help=f"where the official connector's virtualenv lives (default {DEFAULT_CACHE_DIR})",
    )
    parser.add_argument(
        "--official-python",
        default=OFFICIAL_PYTHON,
        help=f"Python 3.10 for the official virtualenv (default {OFFICIAL_PYTHON})",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds per sync (default 1800)"
    )


def run_main(main: Callable[[list[str]], int]) -> None:
    """Run a benchmark's main so that Ctrl-C, SIGTERM and SIGHUP unwind every `finally`:
    /etc/hosts is restored and the sandbox stopped however the run ends."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    # This process found its modules already; a connector child must import only its own install
    # (the baseline's or the official's), never a source tree PYTHONPATH points at.
    os.environ.pop("PYTHONPATH", None)
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)


# ---- connectors ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Connector:
    label: str
    script: str
    official: bool = False
    num_workers: int | None = None
    # More config keys for our connector (e.g. requests_per_minute); the official gets none.
    extra_config: tuple[tuple[str, Any], ...] = ()


def ours(args: argparse.Namespace, **extra_config: Any) -> Connector:
    label = "ours" if args.num_workers is None else f"ours (num_workers={args.num_workers})"
    extra = tuple((key, value) for key, value in extra_config.items() if value is not None)
    return Connector(label, args.connector, num_workers=args.num_workers, extra_config=extra)


def official(args: argparse.Namespace) -> Connector:
    """The official connector in its own cached virtualenv, created on first use."""
    venv = Path(args.cache_dir) / f"official-{OFFICIAL_VERSION}"
    script = venv / "bin" / "source-freshdesk"
    if not script.exists():
        if not Path(args.official_python).exists():
            raise Unavailable(f"no Python 3.10 at {args.official_python} (see --official-python)")
        print(f"creating {venv} (one-time: pip install {' '.join(OFFICIAL_REQUIREMENTS)})")
        steps = [
            [args.official_python, "-m", "venv", str(venv)],
            [str(venv / "bin" / "pip"), "install", "--quiet", *OFFICIAL_REQUIREMENTS],
        ]
        for step in steps:
            try:
                done = subprocess.run(step, capture_output=True, text=True, timeout=1200)
            except (OSError, subprocess.TimeoutExpired) as error:
                raise Unavailable(f"{' '.join(step[:3])} failed: {error}") from None
            if done.returncode != 0:
                tail = " | ".join(done.stderr.strip().splitlines()[-3:])
                raise Unavailable(f"{' '.join(step[:3])} exited {done.returncode}: {tail}")
    return Connector(f"official {OFFICIAL_VERSION}", str(script), official=True)


# ---- routes to a sandbox ---------------------------------------------------------------------
@dataclass
class Route:
    name: str
    sandbox: FreshdeskSandbox
    ours_domain: str
    official_domain: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    official_env: dict[str, str] = field(default_factory=dict)
    seed_s: float = 0.0

    def config(self, connector: Connector) -> dict[str, Any]:
        if connector.official:
            if self.official_domain is None:
                raise Unavailable(f"the official connector cannot use the {self.name} route")
            # start_date left out: 3.1.3 then reads the last 3650 days, all the sandbox holds.
            return {"domain": self.official_domain, "api_key": self.sandbox.api_key}
        config: dict[str, Any] = {"domain": self.ours_domain, "api_key": self.sandbox.api_key}
        if connector.num_workers is not None:
            config["num_workers"] = connector.num_workers
        return {**config, **dict(connector.extra_config)}

    def environment(self, connector: Connector) -> dict[str, str]:
        return {**self.env, **(self.official_env if connector.official else {})}


def seeded_sandbox(settings: SandboxSettings, port: int = 0) -> tuple[FreshdeskSandbox, float]:
    """A sandbox built (seeded) but not started, and the seconds the seeding took."""
    started = time.perf_counter()
    sandbox = FreshdeskSandbox(settings, port=port)
    seconds = time.perf_counter() - started
    print(f"  sandbox seeded in {seconds:.1f} s")
    return sandbox, seconds


@contextmanager
def http_route(settings: SandboxSettings) -> Iterator[Route]:
    sandbox, seed_s = seeded_sandbox(settings)
    with sandbox:
        yield Route("http", sandbox, ours_domain=sandbox.base_url, seed_s=seed_s)


@contextmanager
def hosts_entry(name: str, address: str = "127.0.0.1") -> Iterator[None]:
    """Map `name` to `address` in /etc/hosts while the block runs; always removed afterwards."""
    try:
        current = HOSTS_FILE.read_text()
    except OSError as error:
        raise Unavailable(f"cannot read {HOSTS_FILE}: {error}") from None
    kept = _without_our_lines(current)
    try:
        # Written in place, not renamed over: /etc/hosts is often a bind mount.
        HOSTS_FILE.write_text(f"{kept}{address} {name} {HOSTS_MARKER}\n")
    except OSError as error:
        raise Unavailable(f"cannot write {HOSTS_FILE} (root needed): {error}") from None
    try:
        try:
            resolved = socket.gethostbyname(name)
        except OSError as error:
            raise Unavailable(f"{name} does not resolve after mapping it: {error}") from None
        if resolved != address:
            raise Unavailable(f"{name} resolves to {resolved}, not {address}: /etc/hosts unused?")
        yield
    finally:
        # Remove only our line, so edits others made to the file meanwhile survive.
        HOSTS_FILE.write_text(_without_our_lines(HOSTS_FILE.read_text()))


def _without_our_lines(text: str) -> str:
    lines = [line for line in text.splitlines(keepends=True) if HOSTS_MARKER not in line]
    kept = "".join(lines)
    return kept if not kept or kept.endswith("\n") else kept + "\n"


@contextmanager
def https_route(settings: SandboxSettings, cache_dir: Path) -> Iterator[Route]:
    """The TLS sandbox on 127.0.0.1:443 as https://benchacct.freshdesk.com (see module doc)."""
    tls_settings = dataclasses.replace(
        settings, tls=True, account_hosts={*settings.account_hosts, BENCH_HOST}
    )
    with hosts_entry(BENCH_HOST):
        sandbox, seed_s = seeded_sandbox(tls_settings, port=TLS_PORT)
        try:
            sandbox.start()
        except ImportError as error:
            raise Unavailable(f"TLS mode needs the cryptography package: {error}") from None
        except OSError as error:
            raise Unavailable(f"cannot serve https on 127.0.0.1:{TLS_PORT}: {error}") from None
        try:
            _probe(f"https://{BENCH_HOST}/api/v2/products", sandbox)
            shim = Path(cache_dir) / "ca-bundle-shim"
            shim.mkdir(parents=True, exist_ok=True)
            (shim / "sitecustomize.py").write_text(CA_SHIM)
            yield Route(
                "https",
                sandbox,
                ours_domain=f"https://{BENCH_HOST}",
                official_domain=BENCH_HOST,
                env={"REQUESTS_CA_BUNDLE": sandbox.ca_file, "SSL_CERT_FILE": sandbox.ca_file},
                official_env={"PYTHONPATH": str(shim)},
                seed_s=seed_s,
            )
        finally:
            sandbox.stop()


def _probe(url: str, sandbox: FreshdeskSandbox) -> None:
    try:
        response = requests.get(
            url, auth=(sandbox.api_key, "X"), verify=sandbox.ca_file, timeout=10
        )
    except requests.RequestException as error:
        raise Unavailable(f"https probe of {url} failed: {error}") from None
    if response.status_code != 200:
        raise Unavailable(f"https probe of {url} answered {response.status_code}")
    sandbox.reset_stats()


# ---- measured syncs --------------------------------------------------------------------------
@dataclass
class SyncResult:
    connector: str
    official: bool
    route: str
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    record_counts: Counter[str]
    expected_counts: dict[str, int]
    output: SyncOutput = field(repr=False)
    stats: dict[str, Any] = field(default_factory=dict)
    seed_s: float = 0.0  # seeding the sandbox this sync read from

    @property
    def records(self) -> int:
        return sum(self.record_counts.values())

    @property
    def records_per_s(self) -> float:
        return self.records / self.wall_s if self.wall_s else 0.0

    @property
    def errors(self) -> list[str]:
        return [str(error.get("message")) for error in self.output.errors()]

    @property
    def shortfall(self) -> dict[str, str]:
        """Streams that emitted fewer records than the sandbox's ground truth, as `emitted/held`.

        Not a failure by itself: the official connector, for one, never reads deleted or spam
        tickets, which the sandbox counts. Duplicates (at-least-once) can hide a gap, so this
        is a floor check only."""
        return {
            stream: f"{self.record_counts[stream]}/{held}"
            for stream, held in self.expected_counts.items()
            if self.record_counts[stream] < held
        }

    @property
    def complete(self) -> bool:
        return not self.shortfall

    @property
    def succeeded(self) -> bool:
        """What the platform would call a successful sync: exit 0 and no error trace."""
        return self.returncode == 0 and not self.errors

    @property
    def peak_concurrency(self) -> int | None:
        """The concurrent source's `peak_concurrency=N` in its summary lines; None before it."""
        values = [
            int(pairs["peak_concurrency"])
            for pairs in self.output.summaries().values()
            if pairs.get("peak_concurrency", "").isdigit()
        ]
        return max(values) if values else None

    def describe_failure(self) -> str:
        first = self.errors[0] if self.errors else self.output.stderr.strip()[-300:]
        return f"exit {self.returncode}: {first[:300]}"


_catalogs: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}


def catalog_for(connector: Connector, route: Route, streams: Sequence[str]) -> dict[str, Any]:
    """The connector's own discovered catalog of `streams`, as the platform would configure it."""
    key = (connector.script, tuple(streams))
    if key not in _catalogs:
        try:
            catalog = discover_catalog(connector.script, route.config(connector), streams)
        except (ValueError, OSError, subprocess.SubprocessError) as error:
            raise Unavailable(f"{connector.label} discover failed: {error!r}") from None
        found = {entry["stream"]["name"] for entry in catalog["streams"]}
        if missing := set(streams) - found:
            raise Unavailable(f"{connector.label} does not discover {sorted(missing)}")
        _catalogs[key] = catalog
    return _catalogs[key]


def expected_counts(sandbox: FreshdeskSandbox, streams: Sequence[str]) -> dict[str, int]:
    return {stream: len(sandbox.records(stream)) for stream in streams}


def run_sync(
    connector: Connector,
    route: Route,
    streams: Sequence[str],
    expected: Mapping[str, int],
    timeout: float,
) -> SyncResult:
    """One `read` of `streams`, measured: wall, CPU and peak RSS of the connector process only."""
    catalog = catalog_for(connector, route, streams)
    route.sandbox.reset_stats()
    print(f"  running {connector.label} over {route.name} ...", flush=True)
    # PYTHONPATH is gone since run_main; the official route may set its own (the CA shim).
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **route.environment(connector)}
    with tempfile.TemporaryDirectory(prefix="freshdesk-bench-") as workdir:
        work = Path(workdir)
        (work / "config.json").write_text(json.dumps(route.config(connector)))
        (work / "catalog.json").write_text(json.dumps(catalog))
        args = [connector.script, "read", "--config", "config.json", "--catalog", "catalog.json"]
        # Files, not pipes: nothing in this process has to keep up with the connector's output.
        with open(work / "stdout", "wb") as stdout, open(work / "stderr", "wb") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(args, stdout=stdout, stderr=stderr, cwd=work, env=env)
            peak = PeakRss(process.pid)
            status, usage = _wait(process, timeout)
            peak.stop()
            wall = time.perf_counter() - started
        messages, counts = _read_messages(work / "stdout")
        stderr_text = (work / "stderr").read_text(errors="replace")
    returncode = os.waitstatus_to_exitcode(status) if status is not None else -9
    return SyncResult(
        connector=connector.label,
        official=connector.official,
        route=route.name,
        returncode=returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime if usage else float("nan"),
        peak_rss_mib=peak.mib,
        record_counts=counts,
        expected_counts=dict(expected),
        output=SyncOutput(messages, returncode, stderr_text, wall),
        stats=route.sandbox.stats(),
        seed_s=route.seed_s,
    )


class PeakRss:
    """The connector's own peak RSS, polled from /proc/<pid>/status (VmHWM).

    Not rusage's ru_maxrss: the kernel carries the high-water mark of the address space a child
    had before exec into it, and a child forked (or vforked) from this process starts as a copy
    of it, sandbox and all, so ru_maxrss grows with the sandbox's data instead of the
    connector's.
    """

    def __init__(self, pid: int, interval_s: float = 0.02) -> None:
        self._path = Path(f"/proc/{pid}/status")
        self._interval_s = interval_s
        self._kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    @property
    def mib(self) -> float:
        return self._kib / 1024 if self._kib else float("nan")

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._done.is_set():
            try:
                for line in self._path.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self._kib = max(self._kib, int(line.split()[1]))
            except (OSError, ValueError):
                pass  # gone, or a zombie without memory lines
            self._done.wait(self._interval_s)


def _wait(process: subprocess.Popen, timeout: float) -> tuple[int | None, Any]:
    """os.wait4 the child: its own rusage, unlike RUSAGE_CHILDREN's lifetime maximum of RSS."""
    killer = None
    try:
        killer = _kill_after(process, timeout)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped: tell Popen
        return status, usage
    finally:
        if killer is not None:
            killer.cancel()
        if process.returncode is None:  # interrupted: never leave the connector running
            process.kill()
            process.wait()


def _kill_after(process: subprocess.Popen, timeout: float) -> threading.Timer:
    def kill() -> None:
        print(f"  timeout after {timeout:.0f} s: killing the connector", flush=True)
        process.kill()

    timer = threading.Timer(timeout, kill)
    timer.daemon = True
    timer.start()
    return timer


def _read_messages(path: Path) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Every non-record message, and records only counted: a 200k-record sync stays cheap."""
    messages: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith(_RECORD_PREFIXES):
                match = _RECORD_STREAM_RE.match(line)
                if match:
                    counts[match.group(1)] += 1
                    continue
                counts[json.loads(line)["record"]["stream"]] += 1
            elif line.startswith("{"):
                try:
                    messages.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a partial last line of a killed run
    return messages, counts


# ---- running the same benchmark on every route -----------------------------------------------
Prepare = Callable[[FreshdeskSandbox], None]


def run_all(
    args: argparse.Namespace,
    settings: SandboxSettings,
    streams: Sequence[str],
    prepare: Prepare | None = None,
    mine: Connector | None = None,
    with_official: bool | None = None,
    ours_over_https: bool = True,
) -> tuple[list[SyncResult], list[str]]:
    """Ours over http; with the official on, ours and the official over the same https sandbox.

    `prepare` sets runtime faults (latency) on each sandbox before its syncs; `mine` replaces the
    default `ours(args)`; `with_official` overrides --no-official; `ours_over_https=False` leaves
    only the official on the https route. Returns the results and the reasons for every row that
    could not run.
    """
    results: list[SyncResult] = []
    skipped: list[str] = []
    mine = mine or ours(args)
    with_official = args.official if with_official is None else with_official
    print("http route:")
    with http_route(settings) as route:
        if prepare:
            prepare(route.sandbox)
        expected = expected_counts(route.sandbox, streams)
        results.append(run_sync(mine, route, streams, expected, args.timeout))
    if not with_official:
        return results, skipped
    print("https route:")
    try:
        theirs = official(args)
        with https_route(settings, args.cache_dir) as route:
            if prepare:
                prepare(route.sandbox)
            expected = expected_counts(route.sandbox, streams)
            for connector in (mine, theirs) if ours_over_https else (theirs,):
                try:
                    results.append(run_sync(connector, route, streams, expected, args.timeout))
                except Unavailable as why:
                    skipped.append(f"{connector.label} over https: {why}")
    except Unavailable as why:
        skipped.append(f"https route and official {OFFICIAL_VERSION}: {why}")
    return results, skipped


@dataclass
class Picked:
    """The rows a summary line compares: ours over http, and ours vs official over https."""

    ours_http: SyncResult | None
    ours_https: SyncResult | None
    official_https: SyncResult | None

    @property
    def pair(self) -> tuple[SyncResult, SyncResult] | None:
        if self.ours_https and self.official_https:
            return self.ours_https, self.official_https
        return None


def pick(results: Sequence[SyncResult]) -> Picked:
    def first(route: str, is_official: bool) -> SyncResult | None:
        found = (r for r in results if r.route == route and r.official == is_official)
        return next(found, None)

    return Picked(first("http", False), first("https", False), first("https", True))


def ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator:
        return "n/a"
    return f"{numerator / denominator:.2f}x"


# ---- output ----------------------------------------------------------------------------------
def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain-text table: first column left-aligned (labels), the rest right-aligned (numbers)."""
    cells = [list(headers), *([_cell(value) for value in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for number, row in enumerate(cells):
        padded = [
            text.ljust(width) if i == 0 else text.rjust(width)
            for i, (text, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(padded).rstrip())
        if number == 0:
            print("  ".join("-" * width for width in widths))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def report_problems(results: Sequence[SyncResult], skipped: Sequence[str]) -> None:
    for result in results:
        if not result.succeeded:
            print(f"! {result.connector} over {result.route} failed: {result.describe_failure()}")
        elif not result.complete:
            print(
                f"note: {result.connector} over {result.route} emitted fewer records than the "
                f"sandbox holds (emitted/held): {result.shortfall}"
            )
    for reason in skipped:
        print(f"! skipped {reason}")
