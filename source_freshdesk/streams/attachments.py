"""Ticket attachments: one record per file attached to a ticket or to one of its conversations.

Freshdesk has no attachments list. A conversation carries its `attachments` (and `cloud_files`,
where the account links Dropbox/Drive/Box files) in the conversation pages; a ticket's own ones
are only in the ticket view (`tickets/{id}`, 1 credit per ticket: the tickets list leaves them
out, whatever it includes). So the stream walks the tickets like `conversations` (same batches,
same parent cursor) and reads each ticket's conversation pages, plus its view when the user
turned `attachments_from_ticket_view` on.

`attachment_url` is a pre-signed storage URL that expires (minutes to hours): it is emitted as the
API gave it, for immediate use only, and never logged. With `attachment_files` on, each file is
streamed to the staging directory and its record carries the `file_reference` the platform moves
it by. A link that expired before its download is fetched again through its parent (the ticket
view or the conversation pages), once per refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from airbyte_cdk.models import AirbyteRecordMessageFileReference as FileReference
from airbyte_cdk.models import AirbyteStream

from connector_common.signed_downloads import LinkRefused
from connector_common.stats import StreamStats
from source_freshdesk.downloads import signed_url_downloader
from source_freshdesk.file_transfer import FileTransferStream, staged_path
from source_freshdesk.streams.base import FreshdeskContext, Record, ResourceGone
from source_freshdesk.streams.conversations import Conversations

ATTACHMENT = "attachment"
CLOUD_FILE = "cloud_file"
# The arrays of a ticket view or conversation that list files, and the kind of their rows.
FILE_ARRAYS = (("attachments", ATTACHMENT), ("cloud_files", CLOUD_FILE))

Listing = Callable[[Any], list[Record]]


class TicketAttachments(FileTransferStream, Conversations):
    """Attachments of every ticket updated since the saved state; state is the parent's cursor
    (`ticket_updated_at`), exactly as for conversations."""

    primary_key = ["kind", "id"]  # attachments and cloud files number their ids apart
    view_endpoint = "tickets/{ticket_id}"

    def __init__(self, context: FreshdeskContext, stats: StreamStats | None = None) -> None:
        super().__init__(context, stats, read_archive=False)
        self.from_ticket_view = context.config.attachments_from_ticket_view
        self.transfers_files = context.config.attachment_files
        self.downloads = signed_url_downloader(context, "A ticket attachment")

    def as_airbyte_stream(self) -> AirbyteStream:
        stream = super().as_airbyte_stream()
        # Tells the platform the records may carry files (the catalog's "include files").
        stream.is_file_based = self.transfers_files
        return stream

    def read_with_files(
        self, stream_slice: Mapping[str, Any], with_files: bool
    ) -> Iterator[tuple[Record, FileReference | None]]:
        for ticket_id in stream_slice.get("ticket_ids", []):
            yield from self._of_ticket(ticket_id, with_files and self.transfers_files)
        self.finish_slice(stream_slice)

    def _of_ticket(
        self, ticket_id: Any, with_files: bool
    ) -> Iterator[tuple[Record, FileReference | None]]:
        listings: list[Listing] = [self._listed_in_conversations]
        if self.from_ticket_view:
            listings.insert(0, self._listed_in_view)
        for listing in listings:
            parent = ParentFiles(listing, ticket_id)
            try:
                for listed in parent.rows():
                    row = parent.latest(listed)
                    if with_files and row["kind"] == ATTACHMENT and row.get("attachment_url"):
                        staged = self._staged(row, parent)
                        if staged is not None:
                            yield staged
                    else:
                        yield row, None
            except ResourceGone:
                # Deleted or spammed since the tickets list was read.
                self.stats.count_skipped_child()
                return

    def _listed_in_view(self, ticket_id: Any) -> list[Record]:
        view = self.fetch_page(self.view_endpoint.format(ticket_id=ticket_id), {})
        return [row for ticket in view.records for row in file_rows(ticket, ticket_id, None)]

    def _listed_in_conversations(self, ticket_id: Any) -> list[Record]:
        return [
            row
            for page in self.pages(self.endpoint.format(ticket_id=ticket_id), {})
            for conversation in page.records
            for row in file_rows(conversation, ticket_id, conversation.get("id"))
        ]

    def _staged(
        self, row: Record, parent: ParentFiles
    ) -> tuple[Record, FileReference | None] | None:
        """The row with its file written; a refused link is fetched again through the parent."""
        path, relative = staged_path(
            self.name, str(row["ticket_id"]), str(row.get("id")), str(row.get("name") or "")
        )
        try:
            size = self.downloads.save(row["attachment_url"], path, self.stats)
        except LinkRefused as refused:
            fresh = parent.fetched_again(row)
            if fresh is None or not fresh.get("attachment_url"):
                self.logger.info(
                    f"{self.name}: attachment {row.get('id')} of ticket {row['ticket_id']} was "
                    f"removed while the sync ran (its link answered HTTP {refused.status})."
                )
                self.stats.count_skipped_child()
                return None
            row = fresh
            try:
                size = self.downloads.save(row["attachment_url"], path, self.stats)
            except LinkRefused as again:
                # A file storage refuses even through a fresh link: its metadata still goes out.
                self.logger.warning(
                    f"{self.name}: the file of attachment {row.get('id')} of ticket "
                    f"{row['ticket_id']} was refused twice (HTTP {again.status}), the second "
                    "time through a freshly fetched link; its record goes out without the file."
                )
                self.stats.count_skipped_child()
                return row, None
        reference = FileReference(
            staging_file_url=str(path), source_file_relative_path=relative, file_size_bytes=size
        )
        return row, reference


class ParentFiles:
    """One ticket's file rows from one parent (its view, or its conversation pages): small, and
    kept whole so that, once a refused link made it fetch them again, the ticket's other files
    use the fresh links too (they were signed as long ago as the refused one)."""

    def __init__(self, listing: Listing, ticket_id: Any) -> None:
        self._listing = listing
        self._ticket_id = ticket_id
        self._fresh: dict[tuple[Any, ...], Record] = {}

    def rows(self) -> list[Record]:
        return self._listing(self._ticket_id)

    def latest(self, row: Record) -> Record:
        return self._fresh.get(row_key(row), row)

    def fetched_again(self, row: Record) -> Record | None:
        """The row as the parent lists it now; None when the file was removed meanwhile."""
        self._fresh = {row_key(r): r for r in self._listing(self._ticket_id)}
        return self._fresh.get(row_key(row))


def file_rows(parent: Record, ticket_id: Any, conversation_id: Any) -> Iterator[Record]:
    """The file rows a ticket view (conversation_id None) or a conversation lists."""
    for field, kind in FILE_ARRAYS:
        for item in parent.get(field) or ():
            if isinstance(item, Mapping):
                yield {
                    **item,
                    "kind": kind,
                    "ticket_id": ticket_id,
                    "conversation_id": conversation_id,
                }


def row_key(row: Record) -> tuple[Any, ...]:
    return (row.get("kind"), row.get("conversation_id"), row.get("id"))
