import sys

from airbyte_cdk.entrypoint import launch

from source_freshdesk.source import SourceFreshdesk


def run() -> None:
    launch(SourceFreshdesk(), sys.argv[1:])
