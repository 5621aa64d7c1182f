"""Ticket attachments: the tickets' own files, the conversations' files, and the signed, expiring
URLs that serve their bytes.

* A ticket's own `attachments` (and `cloud_files`, links to Drive/Dropbox files) appear only in
  the ticket view, as in the real API; the list never has them. Every third ticket has one or two
  files, every seventh a cloud file.
* Conversations keep the attachments their seed gives them (every sixth conversation); only the
  URL is made here.
* Each `attachment_url` is signed when first served, like S3's pre-signed URLs: it names when it
  was issued and for how long it holds (`attachment_link_lifetime_s`), and stays the same link
  until `expire_attachment_links()` makes every later answer (and the ground truth) sign anew. `/_files/attachments/...`
  answers 403 `AccessDenied` ("Request has expired") once it is past, or once
  `expire_attachment_links()` expired every link issued so far; it refuses an Authorization header
  like S3. The bytes are a deterministic function of the attachment id and size.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote

from ..sandbox_http import Response
from .seeding import Record, TicketRow

FILES_PREFIX = "/_files/attachments/"
OWN_ATTACHMENT_BASE = 44_000_000_000
CLOUD_FILE_BASE = 45_000_000_000
_OWN_FILES = (
    ("invoice 2024-03.pdf", "application/pdf"),
    ("スクリーンショット.png", "image/png"),
    ("notes.txt", "text/plain"),
    ("export.csv", "text/csv"),
)


def ticket_files(ticket: TicketRow, seed: int, large_bytes: int = 0) -> dict[str, list[Record]]:
    """The ticket view's `attachments` and `cloud_files`, without URLs (signed when served);
    `large_bytes` sizes the first ticket's first file."""
    rng = random.Random(seed * 7_000_003 + ticket.ordinal)
    attachments: list[Record] = []
    if ticket.ordinal % 3 == 0:
        for j in range(1 + ticket.ordinal % 2):
            name, content_type = _OWN_FILES[(ticket.ordinal + j) % len(_OWN_FILES)]
            attachments.append(
                {
                    "id": OWN_ATTACHMENT_BASE + ticket.ordinal * 4 + j,
                    "content_type": content_type,
                    # Some beyond one download chunk, so streaming is exercised.
                    "size": rng.randint(10, 300_000),
                    "name": name,
                    "created_at": ticket.base["created_at"],
                    "updated_at": ticket.base["created_at"],
                }
            )
    cloud_files: list[Record] = []
    if ticket.ordinal % 7 == 0:
        cloud_files.append(
            {
                "id": CLOUD_FILE_BASE + ticket.ordinal,
                "name": "Roadmap.gdoc",
                "url": f"https://drive.example.com/file/d/{ticket.ordinal:08d}/view",
                "application_id": 20,
            }
        )
    if large_bytes and ticket.ordinal == 0:
        attachments[0]["size"] = large_bytes
    return {"attachments": attachments, "cloud_files": cloud_files}


def file_bytes(attachment_id: int, size: int) -> bytes:
    """The file's content: what a test compares the bytes on disk with (made 1 MiB at a time:
    randbytes takes at most 2**31 bits at once)."""
    rng = random.Random(attachment_id)
    block = 1 << 20
    return b"".join(rng.randbytes(min(block, size - at)) for at in range(0, size, block))


class AttachmentLinks:
    """Signs and checks the attachment URLs (thread-safe)."""

    def __init__(self, seed: int, lifetime_s: int, now: Callable[[], int]) -> None:
        self._secret = f"attachments-{seed}".encode()
        self.lifetime_s = lifetime_s
        self._now = now
        self._lock = threading.Lock()
        self._generation = 0
        self._sizes: dict[int, int] = {}
        # When each attachment's link of each generation was first served: it is the same link
        # until it expires, so ground truth and every answer show the same URL.
        self._issued: dict[tuple[int, int], int] = {}
        self.downloads = 0

    def expire_all(self) -> None:
        """Every link issued so far is refused from now on (new ones are fine)."""
        with self._lock:
            self._generation += 1

    def sign(self, base_url: str, item: Record) -> Record:
        with self._lock:
            self._sizes[item["id"]] = item["size"]
            at = self._issued.setdefault((item["id"], self._generation), self._now())
            issued = f"{self._generation}-{at}"
        query = f"X-Amz-Date={issued}&X-Amz-Expires={self.lifetime_s}"
        signature = self._signature(item["id"], query)
        url = (
            f"{base_url}{FILES_PREFIX}{item['id']}/{quote(item['name'])}"
            f"?{query}&X-Amz-Signature={signature}"
        )
        return {**item, "attachment_url": url}

    def serve(self, path: str, raw_query: str, headers: Any) -> Response:
        if headers.get("Authorization"):
            return Response.json(
                400, {"Code": "InvalidArgument", "Message": "Only one auth mechanism allowed"}
            )
        with self._lock:
            self.downloads += 1
        query = dict(parse_qsl(raw_query))
        head = path.removeprefix(FILES_PREFIX).split("/", 1)[0]
        issued = query.get("X-Amz-Date", "")
        signed = f"X-Amz-Date={issued}&X-Amz-Expires={query.get('X-Amz-Expires', '')}"
        if not head.isdigit() or not hmac.compare_digest(
            query.get("X-Amz-Signature", ""), self._signature(int(head), signed)
        ):
            return Response.json(403, {"Code": "SignatureDoesNotMatch"})
        generation, _, at = issued.partition("-")
        with self._lock:
            size = self._sizes.get(int(head))
            stale = int(generation) < self._generation
        if stale or self._now() > int(at) + int(query["X-Amz-Expires"]):
            return Response.json(403, {"Code": "AccessDenied", "Message": "Request has expired"})
        if size is None:
            return Response.json(404, {"Code": "NoSuchKey"})
        return Response(200, file_bytes(int(head), size), "application/octet-stream")

    def _signature(self, attachment_id: int, query: str) -> str:
        message = f"{attachment_id}?{query}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


def conversation_file_rows(conversations: Iterable[Record]) -> Iterator[Record]:
    """The ticket_attachments rows of these conversations (ground truth: URLs as seeded)."""
    for conversation in conversations:
        for item in conversation.get("attachments") or ():
            yield {
                **item,
                "kind": "attachment",
                "ticket_id": conversation["ticket_id"],
                "conversation_id": conversation["id"],
            }


def own_file_rows(ticket: TicketRow, seed: int) -> Iterator[Record]:
    """The ticket_attachments rows of a ticket's own files (read with attachments_from_ticket_view)."""
    files = ticket_files(ticket, seed)
    for field, kind in (("attachments", "attachment"), ("cloud_files", "cloud_file")):
        for item in files[field]:
            yield {**item, "kind": kind, "ticket_id": ticket.id, "conversation_id": None}


def signed_conversations(
    links: AttachmentLinks, base_url: str, conversations: Iterable[Record]
) -> list[Record]:
    """The conversations as served: each attachment with a freshly signed URL."""
    return [
        {**c, "attachments": [links.sign(base_url, a) for a in c["attachments"]]}
        if c.get("attachments")
        else c
        for c in conversations
    ]


def signed_ticket_files(
    links: AttachmentLinks, base_url: str, ticket: TicketRow, seed: int, large_bytes: int = 0
) -> dict[str, list[Record]]:
    files = ticket_files(ticket, seed, large_bytes)
    return {
        "attachments": [links.sign(base_url, a) for a in files["attachments"]],
        "cloud_files": files["cloud_files"],
    }
