"""Developer entry point.

    python main.py freshdesk spec
    python main.py freshdesk read --config config.json --catalog catalog.json [--state state.json]
    python main.py talkdesk-explore check --config config.json
    python main.py demo            # sync every stream of both sources against the bundled sandboxes

Docker images and PyAirbyte call the console scripts (`source-freshdesk`,
`source-talkdesk-explore`) instead; this file only saves typing during development.
"""

from __future__ import annotations

import sys

USAGE = "usage: python main.py {freshdesk|talkdesk-explore} <spec|check|discover|read> ... | demo"


def main(argv: list[str]) -> int:
    if not argv:
        print(USAGE, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "freshdesk":
        from source_freshdesk.run import run
    elif command == "talkdesk-explore":
        from source_talkdesk_explore.run import run
    elif command == "demo":
        from integration_tests.demo import main as demo

        return demo(rest)
    else:
        print(USAGE, file=sys.stderr)
        return 2
    sys.argv = [f"source-{command}", *rest]
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
