"""Tickets, their archive, satisfaction ratings, time entries and (lazily) conversations."""

from __future__ import annotations

import random

from . import texts
from .clock import from_z, to_z
from .seeding import (
    BIG_COMPANY_ID,
    DAY,
    RECENT_WINDOW_DAYS,
    Record,
    SeedContext,
    TicketRow,
    pick,
    strip_html,
)


def build_tickets(ctx: SeedContext) -> None:
    rng, s, now = ctx.rng, ctx.s, ctx.now
    rand = rng.random  # pick(rand, seq) is several times cheaper than rng.choice
    block = s.identical_updated_at_tickets
    total = s.ticket_count + s.deleted_ticket_count + s.spam_ticket_count + block
    block_moment = now - 200 * DAY
    recent = int(total * s.recent_ticket_share)
    created_list: list[tuple[int, bool]] = []
    for i in range(total):
        if i < block:
            created_list.append((block_moment - int(rng.uniform(1, 400) * DAY), True))
        elif i < block + recent:
            created_list.append((now - int(rng.uniform(60, RECENT_WINDOW_DAYS * DAY)), False))
        else:
            created_list.append((ctx.past(s.history_days, RECENT_WINDOW_DAYS + 1), False))
    created_list.sort()
    hidden = ["deleted"] * s.deleted_ticket_count + ["spam"] * s.spam_ticket_count
    hidden_at = rng.sample(
        [i for i, (_, in_block) in enumerate(created_list) if not in_block], len(hidden)
    )
    hidden_kind = dict(zip(hidden_at, hidden, strict=True))
    large_html_at = set(rng.sample(range(total), min(total, s.large_html_ticket_count)))
    bulk_moments = [ctx.past(300, 2) for _ in range(5)]
    extra_cf = [f"cf_extra_{k:03d}" for k in range(s.extra_custom_field_count)]
    contacts = ctx.visible_contacts
    companies = ctx.company_ids
    # Tickets whose requester contact was deleted: include=requester gives null, while the
    # requester_id still names a contact listed under contacts?state=deleted.
    deleted_contacts = ctx.deleted_contacts
    subjects, descriptions = texts.SUBJECTS, texts.DESCRIPTIONS
    descr_texts = [strip_html(d) for d in descriptions]
    large_text = strip_html(ctx.large_html)
    tickets: dict[int, TicketRow] = {}
    for ordinal, (created, in_block) in enumerate(created_list):
        tid = ordinal + 1
        r = rng.random()
        if in_block:
            updated = block_moment
        elif r < 0.03:
            updated = max(created, pick(rand, bulk_moments))
        elif r < 0.3:
            updated = ctx.later(created, rng.uniform(0, 3600))
        else:
            updated = ctx.later(created, rng.expovariate(1 / (12 * DAY)))
        status = pick(rand, (2, 2, 3, 4, 5, 5))
        requester = pick(rand, contacts) if contacts else None
        if deleted_contacts and (requester is None or r > 0.995):
            requester = None
            requester_id, requester_obj = pick(rand, deleted_contacts)["id"], None
        elif requester is None:
            requester_id, requester_obj = None, None
        else:
            requester_id = requester["id"]
            requester_obj = {
                "email": requester["email"],
                "id": requester_id,
                "mobile": requester["mobile"],
                "name": requester["name"],
                "phone": requester["phone"],
            }
        if ordinal % 9 == 0:
            company_id = BIG_COMPANY_ID
        elif requester is not None and requester_obj is not None:
            company_id = requester["company_id"]
        else:
            company_id = pick(rand, companies) if companies and r < 0.5 else None
        responder = pick(rand, ctx.agent_ids) if ctx.agent_ids and r < 0.8 else None
        group = pick(rand, ctx.group_ids) if ctx.group_ids and r < 0.7 else None
        created_z, updated_z = to_z(created), to_z(updated)
        custom = {
            "cf_issue_type_297457": pick(rand, ("Login", "Billing", "Bug", None)),
            # Usually a string; occasionally the API sends a bool here.
            "cf_bank964807": True if ordinal % 53 == 0 else f"ACC-{ordinal:06d}",
            "cf_country": pick(rand, ("USA", "日本", None)),
            "cf_state": None,
            "cf_city": None,
            "cf_order_number": ordinal * 7 if r < 0.6 else None,
            "cf_follow_up_date": to_z(created + 7 * DAY)[:10] if r < 0.4 else None,
            "cf_vip": r < 0.1,
            "cf_score": round(r * 10, 2),
            "cf_notes": None,
        }
        if custom["cf_country"] == "USA":
            custom["cf_state"], custom["cf_city"] = "California", "Burlingame"
        for key in extra_cf:
            custom[key] = None
        base: Record = {
            "cc_emails": [] if ordinal % 10 else ["cc@example.com"],
            "fwd_emails": [],
            "reply_cc_emails": [] if ordinal % 10 else ["cc@example.com"],
            "ticket_cc_emails": [] if ordinal % 10 else ["cc@example.com"],
            "fr_escalated": r < 0.05,
            "spam": hidden_kind.get(ordinal) == "spam",
            "email_config_id": ctx.email_config_ids[0] if ctx.email_config_ids else None,
            "group_id": group,
            "priority": 1 + ordinal % 4,
            "requester_id": requester_id,
            "responder_id": responder,
            "source": (1, 2, 3, 7, 9, 10)[ordinal % 6],
            "company_id": company_id,
            "status": status,
            "subject": subjects[ordinal % len(subjects)].replace("{n}", str(tid)),
            "association_type": None,
            "support_email": "support0@sandbox.example" if ordinal % 3 else None,
            "to_emails": None if ordinal % 3 else ["support0@sandbox.example"],
            "product_id": ctx.product_ids[0] if ctx.product_ids and r < 0.5 else None,
            "id": tid,
            "type": texts.TICKET_TYPES[ordinal % len(texts.TICKET_TYPES)],
            "due_by": to_z(created + 3 * DAY),
            "fr_due_by": to_z(created + DAY),
            "is_escalated": r < 0.07,
            "custom_fields": custom,
            "created_at": created_z,
            "updated_at": updated_z,
            "associated_tickets_count": None,
            "tags": [] if ordinal % 5 else [texts.TAGS[ordinal % len(texts.TAGS)]],
            "nr_due_by": None,
            "nr_escalated": False,
        }
        if ordinal % 4 == 1:
            # Freddy accounts: sentiment on every ticket and the description as typed blocks.
            base["sentiment_score"] = 20 + ordinal % 61
            base["initial_sentiment_score"] = 20 + ordinal % 53
            base["structured_description"] = {
                "description_contents": [{"type": "text", "data": {"content": base["subject"]}}]
            }
        if hidden_kind.get(ordinal) == "deleted":
            base["deleted"] = True
        resolved = updated_z if status in (4, 5) else None
        stats = {
            "agent_responded_at": updated_z if responder else None,
            "requester_responded_at": None,
            "first_responded_at": updated_z if responder else None,
            "status_updated_at": updated_z,
            "reopened_at": None,
            "resolved_at": resolved,
            "closed_at": updated_z if status == 5 else None,
            "pending_since": updated_z if status == 3 else None,
        }
        if ordinal in large_html_at:
            description, description_text = ctx.large_html, large_text
        else:
            which = ordinal % len(descriptions)
            description, description_text = descriptions[which], descr_texts[which]
        tickets[tid] = TicketRow(base, description, description_text, stats, requester_obj, ordinal)
    ctx.data.tickets = tickets
    archive_old_tickets(ctx, tickets, to_z(block_moment) if block else None)


def archive_old_tickets(
    ctx: SeedContext, tickets: dict[int, TicketRow], block_stamp: str | None
) -> None:
    if not ctx.s.archived_ticket_count:
        return
    old_enough = to_z(ctx.now - 150 * DAY)
    candidates = [
        row
        for row in tickets.values()
        if row.hidden_by is None
        and row.base["created_at"] < old_enough
        and row.base["updated_at"] != block_stamp  # keep the identical-stamp block intact
    ]
    for row in ctx.rng.sample(candidates, min(len(candidates), ctx.s.archived_ticket_count)):
        row.archived = True
        row.base["status"] = 5
        row.base["updated_at"] = max(row.base["created_at"], old_enough)
        row.stats["closed_at"] = row.stats["resolved_at"] = row.base["updated_at"]


# ---- ticket children -----------------------------------------------------------------------


def build_ratings_and_time_entries(ctx: SeedContext) -> None:
    rng, s = ctx.rng, ctx.s
    visible = [t for t in ctx.data.tickets.values() if t.hidden_by is None]
    surveys = ctx.data.lists["surveys"]
    ratings = []
    for i in range(s.satisfaction_rating_count if visible else 0):
        ticket = rng.choice(visible)
        created = ctx.later(from_z(ticket.base["updated_at"]), rng.randint(60, DAY))
        updated = created
        if i % 10 == 0:  # feedback edited long after the rating was given
            updated = ctx.later(created, rng.randint(20, 120) * DAY)
        survey = surveys[i % len(surveys)] if surveys else None
        classic = survey is not None and survey["questions"][0]["accepted_ratings"] == [1, 2, 3]
        values = [1, 2, 3] if classic else [103, 102, 101, 100, -101, -102, -103]
        rating_dict: Record = {"default_question": rng.choice(values)}
        if not classic and i % 3 == 0:
            rating_dict["question_43000012345"] = rng.choice([103, 100, -103])
        ratings.append(
            {
                "id": 43_002_000_000 + i * 3,
                "survey_id": survey["id"] if survey else None,
                "user_id": ticket.base["requester_id"],
                "agent_id": ticket.base["responder_id"],
                "feedback": None if i % 4 else "Très bien, merci ! 👍",
                "group_id": ticket.base["group_id"],
                "ticket_id": ticket.id,
                "ratings": rating_dict,
                "created_at": to_z(created),
                "updated_at": to_z(updated),
            }
        )
    ctx.data.lists["satisfaction_ratings"] = ratings
    entries = []
    for i in range(s.time_entry_count if visible else 0):
        ticket = rng.choice(visible)
        created = ctx.later(from_z(ticket.base["created_at"]), rng.randint(60, 5 * DAY))
        # Work is often logged after the fact: executed_at may precede created_at.
        executed = created - rng.randint(0, 2 * DAY)
        running = i % 40 == 0
        updated = ctx.now - rng.randint(0, 600) if running else created
        if i % 7 == 0 and not running:
            updated = ctx.later(created, rng.randint(1, 60) * DAY)
        minutes = rng.randint(1, 600)
        entries.append(
            {
                "id": 43_003_000_000 + i * 5,
                "billable": i % 2 == 0,
                "note": None if i % 3 else "Called the customer ☎",
                "timer_running": running,
                "agent_id": rng.choice(ctx.agent_ids) if ctx.agent_ids else None,
                "ticket_id": ticket.id,
                "company_id": ticket.base["company_id"],
                "time_spent": f"{minutes // 60:02d}:{minutes % 60:02d}",
                "time_spent_in_seconds": minutes * 60,
                "executed_at": to_z(executed),
                "start_time": to_z(executed),
                "created_at": to_z(created),
                "updated_at": to_z(max(updated, created)),
            }
        )
    ctx.data.lists["time_entries"] = entries


_CONVERSATION_TEXTS = [strip_html(body) for body in texts.CONVERSATION_BODIES]


def conversations_for(ticket: TicketRow, seed: int) -> list[Record]:
    """The seeded conversations of one ticket (0..40, mean ~3; a few exceed one page of 30)."""
    rng = random.Random(seed * 1_000_003 + ticket.ordinal)
    roll = rng.random()
    if roll < 0.004:
        count = rng.randint(31, 40)
    elif roll < 0.25:
        count = 0
    else:
        count = min(12, int(rng.expovariate(1 / 3.6)) + 1)
    created = from_z(ticket.base["created_at"])
    updated = from_z(ticket.base["updated_at"])
    span = max(0, updated - created)
    moments = sorted(created + rng.randint(0, span) for _ in range(count))
    records = []
    for k, moment in enumerate(moments):
        edited = k % 5 == 4 and moment < updated
        which = (ticket.ordinal + k) % len(texts.CONVERSATION_BODIES)
        body, body_text = texts.CONVERSATION_BODIES[which], _CONVERSATION_TEXTS[which]
        incoming = k % 2 == 0
        private = k % 4 == 3
        structured = {"body_contents": [{"type": "text", "data": {"content": body_text}}]}
        records.append(
            {
                "body": body,
                "body_text": body_text,
                # Only some accounts send the block form of the body.
                **({"structured_body": structured} if k % 3 == 1 else {}),
                "id": 43_100_000_000 + ticket.ordinal * 64 + k,
                "incoming": incoming,
                "private": private,
                "user_id": ticket.base["requester_id"] if incoming else ticket.base["responder_id"],
                "support_email": None if private else "support0@sandbox.example",
                "source": 2 if private else 0,
                "category": 2 if private else 3,
                "to_emails": [] if private else ["support0@sandbox.example"],
                "from_email": None if private else "support0@sandbox.example",
                "cc_emails": [],
                "bcc_emails": [],
                "email_failure_count": None,
                "outgoing_failures": None,
                "thread_id": None,
                "thread_message_id": None,
                "created_at": to_z(moment),
                "updated_at": to_z(updated if edited else moment),
                "last_edited_at": to_z(updated) if edited else None,
                "last_edited_user_id": ticket.base["responder_id"] if edited else None,
                "attachments": []
                if k % 6
                else [
                    {
                        "id": 43_200_000_000 + ticket.ordinal * 64 + k,
                        "content_type": "image/png",
                        "size": 2048,
                        "name": "screenshot 📷.png",
                        "attachment_url": "https://s3.example.com/a.png?X-Amz-Expires=300",
                        "created_at": to_z(moment),
                        "updated_at": to_z(moment),
                    }
                ],
                "automation_id": None,
                "automation_type_id": None,
                "auto_response": False,
                "ticket_id": ticket.id,
                "source_additional_info": None,
            }
        )
    return records
