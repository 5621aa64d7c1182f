"""What the log redaction blanks: credentials the CDK's secret filter cannot find verbatim."""

from __future__ import annotations

import logging

import pytest

from connector_common.secrets import CredentialRedaction, redact_credentials


@pytest.mark.parametrize(
    ("logged", "expected"),
    [
        (
            "{'Accept': '*/*', 'Authorization': 'Basic a2V5Olg='}",
            "{'Accept': '*/*', 'Authorization': 'Basic ****'}",
        ),
        ('{"authorization": "Bearer eyJ.abc-def"}', '{"authorization": "Bearer ****"}'),
        (
            "'Location': 'https://s3.example.com/r.json?X-Amz-Signature=beef&X-Amz-Credential=AK'",
            "'Location': 'https://s3.example.com/r.json?X-Amz-Signature=****&X-Amz-Credential=****'",
        ),
        (
            "https://storage/f.json?expires=17&signature=abc",
            "https://storage/f.json?expires=17&signature=****",
        ),
        ("GET /api/v2/tickets?page=2&per_page=100", "GET /api/v2/tickets?page=2&per_page=100"),
    ],
)
def test_authorization_values_and_url_signatures_are_blanked_and_nothing_else(
    logged: str, expected: str
) -> None:
    assert redact_credentials(logged) == expected


def test_the_filter_blanks_the_request_details_the_cdk_logs_with_debug() -> None:
    record = logging.LogRecord(
        "airbyte.streams.tickets", logging.DEBUG, "", 0, "Making request", None, None
    )
    record.headers = {"Authorization": "Basic a2V5Olg="}
    record.url = "https://storage/f.json?signature=abc"
    assert CredentialRedaction().filter(record)
    assert "a2V5Olg=" not in record.headers and "abc" not in record.url
