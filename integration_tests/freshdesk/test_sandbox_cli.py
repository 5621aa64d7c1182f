"""The sandbox runs out of process: `python -m integration_tests.freshdesk_sandbox`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_its_url_and_keys_and_serves_until_stopped():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "integration_tests.freshdesk_sandbox",
            "--port",
            "0",
            "--tickets",
            "30",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        base_url = lines[0].split()[-1]
        assert base_url.startswith("http://127.0.0.1:")
        admin_key = lines[1].split()[-1]
        assert lines[2].split()[-1] == "sandbox-agent-key"
        assert requests.get(f"{base_url}/_sandbox/health", timeout=5).json()["status"] == "ok"
        tickets = requests.get(
            f"{base_url}/api/v2/tickets",
            params={"updated_since": "2000-01-01", "per_page": 100},
            auth=(admin_key, "X"),
            timeout=5,
        )
        assert tickets.status_code == 200 and len(tickets.json()) == 30
    finally:
        process.terminate()
        process.wait(timeout=10)
