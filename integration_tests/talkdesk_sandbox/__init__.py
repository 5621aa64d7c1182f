"""A faithful local fake of Talkdesk's token host, Explore reports API and signed-URL storage."""

from .sandbox import TalkdeskSandbox
from .settings import REPORT_TYPES, TalkdeskSandboxSettings

__all__ = ["REPORT_TYPES", "TalkdeskSandbox", "TalkdeskSandboxSettings"]
