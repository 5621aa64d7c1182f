"""Serve a sandbox account until Ctrl-C: python -m integration_tests.freshdesk_sandbox --port 8765"""

from __future__ import annotations

import argparse
import threading

from .server import FreshdeskSandbox
from .settings import SandboxSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Freshdesk API sandbox on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--tickets", type=int, default=SandboxSettings.ticket_count)
    parser.add_argument("--seed", type=int, default=SandboxSettings.seed)
    parser.add_argument(
        "--rate-limit", type=int, default=None, help="credits per minute (default unlimited)"
    )
    args = parser.parse_args(argv)
    settings = SandboxSettings(
        seed=args.seed, ticket_count=args.tickets, rate_limit_total=args.rate_limit
    )
    with FreshdeskSandbox(settings, port=args.port) as sandbox:
        # These are the sandbox's own throwaway keys, so printing them is fine.
        print(f"Freshdesk sandbox serving at {sandbox.base_url}", flush=True)
        print(f"admin api key: {sandbox.api_key}", flush=True)
        print(f"agent api key: {sandbox.agent_api_key}", flush=True)
        print("controls: POST /_sandbox/<control>, GET /_sandbox/stats; Ctrl-C stops", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", flush=True)


if __name__ == "__main__":
    main()
