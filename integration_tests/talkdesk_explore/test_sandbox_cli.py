"""`python -m integration_tests.talkdesk_sandbox` serves a usable sandbox until interrupted."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_urls_writes_a_config_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "integration_tests.talkdesk_sandbox", "--config-out", config_path],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = []
        for line in process.stdout:
            banner.append(line)
            if line.startswith("serving"):
                break
        assert banner and banner[-1].startswith("serving"), process.stderr.read()
        config = json.loads(config_path.read_text())
        token = requests.post(
            config["auth_url"],
            auth=(config["client_id"], config["client_secret"]),
            data={"grant_type": "client_credentials"},
            timeout=10,
        )
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)

    assert token.status_code == 200
    assert any(config["api_url"] in line for line in banner)
    assert config["api_key"] == f"{config['client_id']}:{config['client_secret']}"
    assert process.returncode == 0, err
    assert '"tokens_issued": 1' in out
