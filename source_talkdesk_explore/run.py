"""Console script `source-talkdesk-explore`."""

from __future__ import annotations

import sys

from airbyte_cdk.entrypoint import launch

from .source import SourceTalkdeskExplore


def run() -> None:
    launch(SourceTalkdeskExplore(), sys.argv[1:])
