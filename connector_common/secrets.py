"""Credentials the CDK's log filter cannot find by itself, removed from what the sources print.

The CDK masks the config's `airbyte_secret` values, and whatever a source registers with
`add_to_secrets`, in every message. Two kinds of credential never appear there verbatim: an HTTP
Basic header carries the key base64-encoded, and a signed storage URL carries a fresh signature in
its query. With --debug the CDK's HttpClient logs every request's and response's headers, so both
would be printed; this filter, on the handlers that print, blanks them first.
"""

from __future__ import annotations

import logging
import re

# An Authorization header's credentials, in the forms the CDK logs a header dict (repr or JSON).
_AUTHORIZATION_RE = re.compile(
    r"(?i)(['\"]?(?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?(?:basic|bearer|token)\s+)[^'\",}\s]+"
)
# Query parameters that make a URL a credential (S3, GCS and Azure signed URLs, our sandboxes).
_SIGNED_QUERY_RE = re.compile(
    r"(?i)\b((?:x-amz-|x-goog-)?(?:signature|credential|security-token)|sig)=[^&\s\"'\\,}]+"
)
# The extras the CDK's HttpClient passes to its debug logs of requests and responses.
_LOGGED_EXTRAS = ("headers", "url", "body", "request_body")


def redact_credentials(text: str) -> str:
    """The text with Authorization credentials and signed-URL signatures replaced by ****."""
    text = _AUTHORIZATION_RE.sub(lambda match: f"{match.group(1)}****", text)
    return _SIGNED_QUERY_RE.sub(lambda match: f"{match.group(1)}=****", text)


class CredentialRedaction(logging.Filter):
    """Blanks credentials in a record's message and in the request details it carries."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in _LOGGED_EXTRAS:
            value = record.__dict__.get(name)
            if value is not None:
                setattr(record, name, redact_credentials(str(value)))
        if isinstance(record.msg, str):
            message = record.getMessage()
            redacted = redact_credentials(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


_REDACTION = CredentialRedaction()


def redact_credentials_in_logs(logger_name: str = "airbyte") -> None:
    """Install the redaction on every handler that prints the logger's records (once each).

    On the handlers rather than the logger: a logger's filters never see records its child
    loggers (each stream's) pass up to it.
    """
    logger: logging.Logger | None = logging.getLogger(logger_name)
    while logger is not None:
        for handler in logger.handlers:
            if _REDACTION not in handler.filters:
                handler.addFilter(_REDACTION)
        logger = logger.parent if logger.propagate else None
