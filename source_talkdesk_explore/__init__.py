"""Airbyte source for Talkdesk Explore reports."""

from source_talkdesk_explore.source import SourceTalkdeskExplore

__all__ = ["SourceTalkdeskExplore"]
