import sys

from connector_common.launch import launch_source
from source_freshdesk.source import SourceFreshdesk


def run() -> None:
    launch_source(SourceFreshdesk(), sys.argv[1:])
