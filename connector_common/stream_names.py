"""What a read says about stream names its catalog or its state has and the source does not.

The CDK skips such a stream without a word (a catalog entry ends INCOMPLETE, a state is ignored).
Both sources say why, in the same words, from their `read`: only the read knows every stream name,
since Talkdesk's include the custom reports its config names.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Iterator

from airbyte_cdk.models import (
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
)


def known_catalog_streams(
    logger: logging.Logger, catalog: ConfiguredAirbyteCatalog, known: Collection[str], source: str
) -> Iterator[ConfiguredAirbyteStream]:
    """The catalog's streams that `source` has, in catalog order; a WARN for each other one."""
    for configured in catalog.streams:
        if configured.stream.name in known:
            yield configured
        else:
            logger.warning(
                f"The catalog names a stream '{configured.stream.name}' that {source} does not "
                f"have; it is skipped. Known streams: {', '.join(sorted(known))}."
            )


def warn_unknown_stream_states(
    logger: logging.Logger,
    state: Iterable[AirbyteStateMessage] | None,
    known: Collection[str],
    source: str,
) -> None:
    """A WARN for each saved state of a stream `source` does not have (the CDK ignores it, and it
    stays in the platform's state for a later sync that has the stream again)."""
    for message in state or []:
        for name in _state_stream_names(message):
            if name not in known:
                logger.warning(
                    f"The state has a state for stream '{name}', which {source} does not have; "
                    "it is ignored."
                )


def _state_stream_names(message: AirbyteStateMessage) -> list[str]:
    if message.stream is not None:
        return [message.stream.stream_descriptor.name]
    if message.global_ is not None:
        return [stream.stream_descriptor.name for stream in message.global_.stream_states]
    return []
