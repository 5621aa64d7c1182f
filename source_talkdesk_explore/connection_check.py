"""`check`: the token, its scopes and the Explore API host, without creating a report job.

A job would take one of the account's 15 report slots (shared with every other tool), so the
host and read scope are proven by asking for a job id that cannot exist.
"""

from __future__ import annotations

import logging
import uuid

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.errors import config_error
from connector_common.stats import StreamStats
from source_talkdesk_explore.auth import REQUIRED_SCOPES, TokenProvider
from source_talkdesk_explore.config import TalkdeskConfig
from source_talkdesk_explore.http_errors import RetryPolicy
from source_talkdesk_explore.streams import Calls
from source_talkdesk_explore.sync_context import SyncContext

PROBE_JOB_ID = str(uuid.UUID(int=0))
# check must answer within seconds: few retries, no long 429 waits.
CHECK_POLICY = RetryPolicy(transient_attempts=2, rate_limit_max_wait_s=30)


def check_connection(config: TalkdeskConfig, logger: logging.Logger) -> None:
    """Raises a config_error that says what to fix; returns when everything answered."""
    tokens = TokenProvider(
        config.token_url,
        config.client_id,
        config.client_secret,
        read_timeout_s=config.request_timeout_seconds,
    )
    _check_scopes(tokens, logger)
    context = SyncContext(config, tokens=tokens, policy=CHECK_POLICY)
    probe = Calls(context)
    try:
        with probe.send("GET", probe.url(f"{probe.path()}/{PROBE_JOB_ID}")) as answer:
            status = answer.status_code
    except AirbyteTracedException as error:
        if error.failure_type == FailureType.config_error:
            raise
        # check reports a verdict, not a crash: a failing API host is something to look at.
        raise config_error(
            f"The Explore API at {config.api_url} is not usable: {error.message}"
        ) from None
    finally:
        context.close()
    if status == 403:
        raise config_error(
            f"The Explore API at {config.api_url} refused the token (HTTP 403): the API client "
            "needs the data-reports:read scope."
        )
    if status not in (200, 404) and not 300 <= status < 400:
        raise config_error(
            f"The Explore API at {config.api_url} answered HTTP {status} to a job lookup; check "
            "that 'region' / 'api_url' point at the Talkdesk Explore API."
        )


def _check_scopes(tokens: TokenProvider, logger: logging.Logger) -> None:
    scopes = tokens.granted_scopes(StreamStats("check"))
    if scopes is None:
        logger.warning("The token response lists no scopes; cannot verify them up front.")
        return
    missing = [scope for scope in REQUIRED_SCOPES if scope not in scopes]
    if missing:
        raise config_error(
            f"The Talkdesk API client lacks the scope(s) {', '.join(missing)}. Grant "
            "data-reports:read and data-reports:write to the client (new scopes take a few "
            "minutes to apply)."
        )
