"""A deliberately naive plain-`requests` client used by the sandbox self-tests.

It speaks the wire protocol directly (no connector code), so the self-tests pin what the servers
do rather than what a client library assumes.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import requests

from .sandbox import TalkdeskSandbox

TIMEOUT_S = 10


def iso_z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_token(sandbox: TalkdeskSandbox, scope: str | None = None) -> requests.Response:
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    return requests.post(
        sandbox.token_url,
        auth=(sandbox.client_id, sandbox.client_secret),
        data=form,
        timeout=TIMEOUT_S,
    )


def bearer(sandbox: TalkdeskSandbox, scope: str | None = None) -> dict[str, str]:
    response = request_token(sandbox, scope)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def create_job(
    sandbox: TalkdeskSandbox,
    headers: dict[str, str],
    report_type: str,
    start: datetime | str,
    end: datetime | str,
    **extra: object,
) -> requests.Response:
    body: dict = {
        "timespan": {
            "from": start if isinstance(start, str) else iso_z(start),
            "to": end if isinstance(end, str) else iso_z(end),
        },
        "timezone": "UTC",
        "format": "json",
    }
    body.update(extra)
    return requests.post(
        f"{sandbox.api_url}/data/reports/{report_type}/jobs",
        json=body,
        headers=headers,
        timeout=TIMEOUT_S,
    )


def job_id(response: requests.Response) -> str:
    payload = response.json()
    return payload["job"]["id"] if "job" in payload else payload["id"]


def get(url: str, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.get(url, headers=headers or {}, allow_redirects=False, timeout=TIMEOUT_S)


def poll(
    sandbox: TalkdeskSandbox, headers: dict[str, str], report_type: str, job: str
) -> requests.Response:
    return get(f"{sandbox.api_url}/data/reports/{report_type}/jobs/{job}", headers)


def files(
    sandbox: TalkdeskSandbox, headers: dict[str, str], report_type: str, job: str
) -> requests.Response:
    return get(f"{sandbox.api_url}/data/reports/{report_type}/files/{job}", headers)


def poll_until_finished(
    sandbox: TalkdeskSandbox,
    headers: dict[str, str],
    report_type: str,
    job: str,
    limit_s: float = 10.0,
) -> tuple[requests.Response, list[str]]:
    """The first poll answer that is not an active status, plus every status seen on the way."""
    seen: list[str] = []
    deadline = time.monotonic() + limit_s
    while True:
        response = poll(sandbox, headers, report_type, job)
        status = response.json()["job"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status not in ("created", "processing", "uploading"):
            return response, seen
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job} still {status} after {limit_s}s")
        time.sleep(0.02)


def download(sandbox: TalkdeskSandbox, headers: dict[str, str], report_type: str, job: str) -> dict:
    """Follow files/{id} to the signed URL (without the bearer) and return the parsed report."""
    redirect = files(sandbox, headers, report_type, job)
    assert redirect.status_code in (300, 302, 303), redirect.status_code
    report = get(redirect.headers["Location"])
    assert report.status_code == 200, report.text
    return report.json()


def run_job(
    sandbox: TalkdeskSandbox,
    headers: dict[str, str],
    report_type: str,
    start: datetime | str,
    end: datetime | str,
    **extra: object,
) -> dict:
    created = create_job(sandbox, headers, report_type, start, end, **extra)
    assert created.status_code == 202, created.text
    job = job_id(created)
    poll_until_finished(sandbox, headers, report_type, job)
    return download(sandbox, headers, report_type, job)
