"""Companies and contacts (visible, blocked and deleted)."""

from __future__ import annotations

import uuid

from . import texts
from .clock import to_z
from .seeding import (
    BIG_COMPANY_ID,
    DAY,
    SeedContext,
)


def build_companies(ctx: SeedContext) -> None:
    rng = ctx.rng
    companies = []
    for i in range(ctx.s.company_count):
        cid = BIG_COMPANY_ID if i == 0 else 43_000_200_000 + i * 13
        custom = (
            {}
            if i % 3 == 0
            else {
                "cf_contract_value": rng.choice([None, 1200, 99.5]),
                "cf_segment": rng.choice(["smb", "enterprise", None]),
                "cf_renewal_flag": rng.choice([True, False, None]),
            }
        )
        companies.append(
            {
                "id": cid,
                "name": f"{texts.COMPANY_WORDS[i % len(texts.COMPANY_WORDS)]} {i}",
                "description": None if i % 2 else "A valued customer",
                "note": None,
                "domains": [] if i % 4 == 0 else [f"c{i}.example.com"],
                **ctx.stamps()[1],
                "custom_fields": custom,
                "health_score": rng.choice(["Happy", "Doing okay", "At risk", None]),
                "account_tier": rng.choice(["Basic", "Premium", None]),
                "renewal_date": None if i % 2 else to_z(ctx.now + 90 * DAY),
                "industry": rng.choice(texts.INDUSTRIES),
                "org_company_id": str(8_000_000_000_000_000 + i),
            }
        )
    ctx.data.lists["companies"] = companies
    ctx.company_ids = [c["id"] for c in companies]


def build_contacts(ctx: SeedContext) -> None:
    rng, s = ctx.rng, ctx.s
    total = s.contact_count + s.blocked_contact_count + s.deleted_contact_count
    states = (
        ["blocked"] * s.blocked_contact_count
        + ["deleted"] * s.deleted_contact_count
        + ["verified", "unverified"] * (s.contact_count // 2)
        + ["verified"] * (s.contact_count % 2)
    )
    rng.shuffle(states)
    # A few bulk updates give many contacts one shared updated_at.
    bulk_moments = [ctx.past(400, 5) for _ in range(3)]
    contacts = []
    for i in range(total):
        first, last = ctx.name()
        cid = 43_001_000_000 + i * 7
        created = ctx.past(s.history_days, 1)
        if rng.random() < 0.05:
            updated = max(created, rng.choice(bulk_moments))
        else:
            updated = ctx.later(created, rng.expovariate(1 / (30 * DAY)))
        state = states[i]
        company = rng.choice(ctx.company_ids) if rng.random() < 0.6 else None
        record = {
            "active": state == "verified",
            "address": None if i % 5 else "221B Baker Street, London",
            "company_id": company,
            "description": None,
            "email": f"contact{i}@example.com" if i % 17 else None,
            "id": cid,
            "job_title": None if i % 3 else "Buyer",
            "language": rng.choice(["en", "de", "ja-JP", "ar"]),
            "mobile": None if i % 4 else f"+44 7700 9{i:05d}",
            "name": f"{first} {last}" + (" 🙂" if i % 97 == 0 else ""),
            "phone": None if i % 2 else f"+1 555 {i:07d}",
            "time_zone": rng.choice(["Eastern Time (US & Canada)", "Tokyo", "Berlin"]),
            "twitter_id": str(1_000_000_000 + i) if i % 11 == 0 else None,
            "custom_fields": {
                "cf_loyalty_tier": rng.choice(["gold", "silver", None]),
                "cf_birthday": None if i % 2 else "1990-02-28",
                "cf_newsletter": rng.choice([True, False, "true"]),
            },
            "facebook_id": None,
            "created_at": to_z(created),
            "updated_at": to_z(updated),
            "csat_rating": rng.choice([103, 100, -103, None]),
            "preferred_source": "email",
            "unique_external_id": f"ext-{i}" if i % 6 == 0 else None,
            "other_emails": [] if i % 9 else [f"alt{i}@example.org"],
            "other_companies": [],
            "view_all_tickets": bool(company) and i % 2 == 0,
            "tags": [] if i % 4 else [rng.choice(texts.TAGS)],
            "avatar": None,
            "first_name": first,
            "last_name": last,
            "visitor_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "org_contact_id": 9_000_000_000_000_000 + i,
            "other_phone_numbers": [],
            "contact_type": "contact",
            "social_handler": [],
            # Real accounts send both even for contacts without a Twitter handle.
            "twitter_profile_status": i % 11 == 0,
            "twitter_followers_count": 1_234 * i if i % 11 == 0 else None,
        }
        if state == "deleted":
            record["deleted"] = True
        contacts.append(record)
        ctx.data.contact_state[cid] = state
    ctx.data.contacts = contacts
    ctx.visible_contacts = [
        c for c in contacts if ctx.data.contact_state[c["id"]] in ("verified", "unverified")
    ]
    ctx.deleted_contacts = [c for c in contacts if ctx.data.contact_state[c["id"]] == "deleted"]


# ---- tickets -------------------------------------------------------------------------------
