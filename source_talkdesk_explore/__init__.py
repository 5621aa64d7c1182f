"""Airbyte source for Talkdesk Explore reports."""

from .source import SourceTalkdeskExplore

__all__ = ["SourceTalkdeskExplore"]
