"""Freshdesk authenticates with HTTP Basic: the API key is the user name, the password unused."""

from airbyte_cdk.sources.streams.http.requests_native_auth import BasicHttpAuthenticator

# Any password works; the docs use "X".
UNUSED_PASSWORD = "X"


def api_key_authenticator(api_key: str) -> BasicHttpAuthenticator:
    return BasicHttpAuthenticator(username=api_key, password=UNUSED_PASSWORD)
