"""Run the sandbox by hand: `python -m integration_tests.talkdesk_sandbox [--config-out FILE]`.

Prints the URLs, the (sandbox-only) credentials and a ready connector config, then serves until
Ctrl-C. Handy for the README demo and for poking the API with curl.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from . import TalkdeskSandbox, TalkdeskSandboxSettings


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m integration_tests.talkdesk_sandbox")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--job-duration", type=float, default=0.3, help="seconds per report job")
    parser.add_argument("--token-lifetime", type=float, default=600.0, help="token expires_in")
    parser.add_argument("--redirect-code", type=int, choices=(300, 302, 303), default=303)
    parser.add_argument("--foreign-jobs", type=int, default=0, help="quota taken by other tools")
    parser.add_argument("--config-out", type=Path, help="also write the connector config here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    settings = TalkdeskSandboxSettings(
        seed=args.seed,
        job_duration_s=args.job_duration,
        token_lifetime_s=args.token_lifetime,
        redirect_code=args.redirect_code,
        foreign_jobs=args.foreign_jobs,
    )
    stop = threading.Event()
    # Both set explicitly: a process started in the background by a non-interactive shell
    # inherits SIGINT as ignored, and Ctrl-C would then never stop it.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with TalkdeskSandbox(settings) as sandbox:
        config = sandbox.config()
        if args.config_out:
            args.config_out.write_text(json.dumps(config, indent=2) + "\n")
        print(f"token url:     {sandbox.token_url}")
        print(f"api url:       {sandbox.api_url}")
        print(f"storage url:   {sandbox.storage_url}")
        print(f"client id:     {sandbox.client_id}")
        print(f"client secret: {sandbox.client_secret}  (sandbox credential, not a real secret)")
        print(
            f"data:          from {sandbox.history_start.isoformat()}, clock {sandbox.now:%Y-%m-%dT%H:%M:%SZ}"
        )
        print("connector config:")
        print(json.dumps(config, indent=2))
        print("serving; Ctrl-C to stop", flush=True)
        while not stop.wait(0.5):
            pass
        print("stats:", json.dumps(sandbox.stats()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
