"""Console script `source-talkdesk-explore`."""

from __future__ import annotations

import sys

from connector_common.launch import launch_source
from source_talkdesk_explore.source import SourceTalkdeskExplore


def run() -> None:
    launch_source(SourceTalkdeskExplore(), sys.argv[1:])
