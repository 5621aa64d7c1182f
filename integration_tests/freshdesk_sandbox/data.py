"""Deterministic seeded data for one sandbox account.

Records are stored already shaped like the API serialises them (string timestamps, nulls for unset
optional fields). Tickets keep their include-only parts (description, stats) beside the base record so
the list endpoint can add them per request. Conversations are derived lazily per ticket from the seed,
because a 31,000-ticket account would otherwise need ~100,000 of them up front.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import texts
from .clock import from_z, to_ist, to_z
from .settings import SandboxSettings

DAY = 86_400
BIG_COMPANY_ID = 284960733419037820  # > 2^53: breaks JSON-to-float pipelines
RECENT_WINDOW_DAYS = 30

Record = dict[str, Any]


@dataclass
class TicketRow:
    """A ticket: the list-shaped base record plus the parts only `include=` adds."""

    base: Record
    description: str
    description_text: str
    stats: Record
    requester: Record | None  # None when the requester contact no longer exists
    ordinal: int  # position in creation order, seeds the ticket's conversations
    # Closed and inactive for 120+ days: out of every list, readable only via /tickets/archived/{id}.
    archived: bool = False

    @property
    def id(self) -> int:
        return self.base["id"]

    @property
    def hidden_by(self) -> str | None:
        """The filter that shows this ticket ("deleted"/"spam"), None for the default list."""
        if self.archived:
            return "archived"
        if self.base.get("deleted"):
            return "deleted"
        if self.base["spam"]:
            return "spam"
        return None


@dataclass
class Dataset:
    tickets: dict[int, TicketRow] = field(default_factory=dict)
    contacts: list[Record] = field(default_factory=list)
    contact_state: dict[int, str] = field(
        default_factory=dict
    )  # verified|unverified|blocked|deleted
    lists: dict[str, list[Record]] = field(default_factory=dict)  # stream name -> records
    settings_object: Record = field(default_factory=dict)
    # Conversations materialised so far (lazily) or added by mutations, keyed by ticket id.
    conversations: dict[int, list[Record]] = field(default_factory=dict)


def _pick(rand: Callable[[], float], seq: Sequence[Any]) -> Any:
    return seq[int(rand() * len(seq))]


def _strip_html(html: str) -> str:
    out: list[str] = []
    inside = False
    for char in html:
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
        elif not inside:
            out.append(char)
    return "".join(out).strip()


class _Builder:
    def __init__(self, settings: SandboxSettings, now: int) -> None:
        self.s = settings
        self.now = now
        self.rng = random.Random(settings.seed)
        self.data = Dataset()
        self.large_html = texts.large_html()

    # ---- helpers -------------------------------------------------------------------------------
    def past(self, max_days: float, min_days: float = 0.0) -> int:
        return self.now - int(self.rng.uniform(min_days * DAY, max_days * DAY))

    def later(self, start: int, delay: float) -> int:
        """start + delay, or a uniform moment before now when that would be in the future.

        Clamping to now instead would pile many records onto the one second of `now`.
        """
        if start >= self.now:
            return self.now
        if start + delay <= self.now:
            return start + int(delay)
        return start + int(self.rng.uniform(0, self.now - start))

    def stamps(self, fmt=to_z, max_days: float | None = None) -> tuple[int, Record]:
        created = self.past(max_days if max_days is not None else self.s.history_days, 1)
        updated = self.later(created, self.rng.expovariate(1 / (20 * DAY)))
        return created, {"created_at": fmt(created), "updated_at": fmt(updated)}

    def name(self) -> tuple[str, str]:
        return self.rng.choice(texts.FIRST_NAMES), self.rng.choice(texts.LAST_NAMES)

    # ---- config-like resources -----------------------------------------------------------------
    def build_small_resources(self) -> None:
        rng, s, lists = self.rng, self.s, self.data.lists
        lists["products"] = [
            {
                "id": 43_000_010_000 + i,
                "name": f"Product {i} ✦",
                "description": None if i % 2 else "Main product line",
                "primary_email": f"support{i}@sandbox.example",
                **self.stamps()[1],
                "default": i == 0,
            }
            for i in range(s.product_count)
        ]
        lists["roles"] = [
            {
                "id": 43_000_020_000 + i,
                "name": ("Account Administrator", "Administrator", "Supervisor", "Agent")[i % 4]
                + ("" if i < 4 else f" {i}"),
                "description": None if i == 3 else "Can do things",
                "default": i < 4,
                **self.stamps()[1],
                "agent_type": 1,
            }
            for i in range(s.role_count)
        ]
        agent_ids = [43_000_100_000 + i for i in range(s.agent_count)]
        self.agent_ids = agent_ids
        self.group_ids = [43_000_050_000 + i for i in range(s.group_count)]
        self.product_ids = [p["id"] for p in lists["products"]]
        business_ids = [43_000_030_000 + i for i in range(s.business_hours_count)]
        lists["groups"] = [
            {
                "id": gid,
                "name": ("Billing", "Escalations", "サポート", "Tier 2", "VIP", "Night shift")[
                    i % 6
                ],
                "description": None if i % 3 == 0 else "Handles tickets",
                "escalate_to": rng.choice(agent_ids) if i % 2 and agent_ids else None,
                "unassigned_for": "30m" if i % 2 else None,
                "business_hour_id": business_ids[i % len(business_ids)] if business_ids else None,
                "group_type": "support_agent_group",
                "agent_ids": sorted(rng.sample(agent_ids, min(len(agent_ids), 3))),
                "auto_ticket_assign": i % 2 == 0,
                **self.stamps(to_ist)[1],
            }
            for i, gid in enumerate(self.group_ids)
        ]
        skill_ids = [43_000_040_000 + i for i in range(s.skill_count)]
        lists["skills"] = [
            {
                "id": sid,
                "name": ("Spanish", "Billing", "Hardware", "日本語")[i % 4],
                "rank": i + 1,
                **self.stamps()[1],
                "match_type": "any" if i % 2 else "all",
                "conditions": [
                    {
                        "resource_type": "ticket",
                        "field_name": "priority",
                        "operator": "in",
                        "value": [3, 4],
                    }
                ],
                "agents": [{"id": a} for a in agent_ids[i : i + 2]],
            }
            for i, sid in enumerate(skill_ids)
        ]
        role_ids = [r["id"] for r in lists["roles"]]
        agents = []
        for i, aid in enumerate(agent_ids):
            first, last = self.name()
            created, _ = self.stamps()
            login = self.past(10) if i % 4 else None
            agents.append(
                {
                    "available": i % 3 != 0,
                    "occasional": i % 7 == 6,
                    "id": aid,
                    "ticket_scope": 1 + i % 3,
                    "signature": None if i % 2 else f"<div>{first} {last}</div>",
                    "group_ids": sorted(rng.sample(self.group_ids, min(2, len(self.group_ids)))),
                    "role_ids": [role_ids[i % len(role_ids)]] if role_ids else [],
                    "skill_ids": skill_ids[:1] if i % 2 and skill_ids else [],
                    "available_since": to_ist(self.past(2)) if i % 3 else None,
                    "contact": {
                        "active": True,
                        "email": f"agent{i}@sandbox.example",
                        "job_title": None,
                        "language": "en",
                        "last_login_at": to_ist(login) if login else None,
                        "mobile": None,
                        "name": f"{first} {last}",
                        "phone": None if i % 2 else f"+1-555-01{i:02d}",
                        "time_zone": "Chennai",
                        "created_at": to_ist(created),
                        "updated_at": to_ist(self.later(created, DAY)),
                    },
                    "created_at": to_ist(created),
                    "updated_at": to_ist(self.later(created, 5 * DAY)),
                    "type": "support_agent",
                    "focus_mode": i % 2 == 0,
                    "deactivated": False,
                    "last_active_at": to_ist(login) if login else None,
                    "org_agent_id": str(7_000_000_000_000_000 + i),
                }
            )
        lists["agents"] = agents
        week = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        lists["business_hours"] = [
            {
                "id": bid,
                "name": "Default" if i == 0 else f"Weekend crew {i}",
                "description": "Default Business Calendar" if i == 0 else None,
                "is_default": i == 0,
                "time_zone": ("Eastern Time (US & Canada)", "Chennai", "Tokyo")[i % 3],
                **self.stamps()[1],
                "business_hours": {
                    day: {"start_time": "8:00 am", "end_time": "5:00 pm"}
                    for day in (week[:5] if i == 0 else week)
                },
            }
            for i, bid in enumerate(business_ids)
        ]
        lists["email_configs"] = [
            {
                "id": 43_000_060_000 + i,
                "name": f"Support {i}",
                "product_id": self.product_ids[i % len(self.product_ids)] if i else None,
                "to_email": f"support{i}@sandbox.example",
                "reply_email": f"support{i}@sandbox.example",
                "group_id": self.group_ids[i % len(self.group_ids)] if i % 2 else None,
                "primary_role": i == 0,
                "active": i != 2,
                **self.stamps()[1],
            }
            for i in range(s.email_config_count)
        ]
        self.email_config_ids = [e["id"] for e in lists["email_configs"]]
        lists["email_mailboxes"] = [
            {
                "id": 43_000_070_000 + i,
                "name": f"Mailbox {i}",
                "support_email": f"help{i}@sandbox.example",
                "group_id": self.group_ids[i % len(self.group_ids)] if i % 2 else None,
                "default_reply_email": i == 0,
                "active": True,
                "mailbox_type": "freshdesk_mailbox" if i % 2 == 0 else "custom_mailbox",
                "product_id": None,
                "freshdesk_mailbox": {"forward_email": f"fwd{i}@sandbox.freshdesk.com"}
                if i % 2 == 0
                else None,
                "custom_mailbox": None
                if i % 2 == 0
                else {
                    "access_type": "incoming",
                    "incoming": {"mail_server": "imap.example.com", "port": 993, "use_ssl": True},
                },
            }
            for i in range(s.mailbox_count)
        ]
        lists["sla_policies"] = [
            {
                "id": 43_000_080_000 + i,
                "name": "Default SLA Policy" if i == 0 else f"VIP SLA {i}",
                "description": None if i == 0 else "Faster answers",
                "active": True,
                "is_default": i == 0,
                "position": i + 1,
                "sla_target": {
                    f"priority_{p}": {
                        "respond_within": 3600 * (5 - p),
                        "resolve_within": 3600 * (10 - p),
                        "business_hours": False,
                        "escalation_enabled": True,
                    }
                    for p in range(1, 5)
                },
                "applicable_to": {} if i == 0 else {"company_ids": [BIG_COMPANY_ID]},
                "escalation": {}
                if i == 0
                else {"response": {"escalation_time": 0, "agent_ids": [-1]}},
            }
            for i in range(s.sla_policy_count)
        ]
        lists["scenario_automations"] = [
            {
                "id": 43_000_090_000 + i,
                "name": f"Close as duplicate {i}",
                "description": None if i % 2 else "Marks the ticket closed",
                "actions": [{"name": "status", "value": 5}, {"name": "add_tag", "value": ["dup"]}],
                "private": i % 3 == 0,
            }
            for i in range(s.scenario_automation_count)
        ]
        lists["surveys"] = [
            {
                "id": 43_000_095_000 + i,
                "title": "Default survey" if i == 0 else "Classic survey",
                "active": i == 0,
                **self.stamps()[1],
                "questions": [
                    {
                        "id": "default_question",
                        "label": "How would you rate your overall satisfaction?",
                        "accepted_ratings": [103, 102, 101, 100, -101, -102, -103]
                        if i == 0
                        else [1, 2, 3],
                        "default": True,
                    }
                ]
                + (
                    [
                        {
                            "id": "question_43000012345",
                            "label": "Was the agent helpful?",
                            "accepted_ratings": [103, 100, -103],
                            "default": False,
                        }
                    ]
                    if i == 0
                    else []
                ),
            }
            for i in range(s.survey_count)
        ]
        self.data.settings_object = {
            "primary_language": "en",
            "supported_languages": ["de", "ja-JP", "ar"],
            "portal_languages": ["en", "de"],
            "help_widget_languages": [],
        }
        self.build_ticket_fields()
        self.build_canned_responses()
        self.build_discussions()
        self.build_solutions()

    def build_ticket_fields(self) -> None:
        default_fields: list[tuple[str, str, Any]] = [
            ("requester", "default_requester", None),
            ("subject", "default_subject", None),
            (
                "ticket_type",
                "default_ticket_type",
                [t for t in texts.TICKET_TYPES if t],
            ),
            (
                "status",
                "default_status",
                {
                    "2": ["Open", "Being Processed"],
                    "3": ["Pending", "Awaiting your Reply"],
                    "4": ["Resolved", "This ticket has been Resolved"],
                    "5": ["Closed", "This ticket has been Closed"],
                },
            ),
            ("priority", "default_priority", {"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}),
            ("source", "default_source", {"Email": 1, "Portal": 2, "Phone": 3, "Chat": 7}),
            ("group", "default_group", {"Billing": self.group_ids[0]} if self.group_ids else {}),
            ("agent", "default_agent", {}),
            ("description", "default_description", None),
            ("company", "default_company", None),
        ]
        custom_fields: list[tuple[str, str, Any]] = [
            ("cf_issue_type_297457", "custom_dropdown", ["Login", "Billing", "Bug", "Other"]),
            ("cf_bank964807", "custom_text", None),
            (
                "cf_country",
                "nested_field",
                {
                    "USA": {"California": ["Burlingame", "Los Angeles"], "Texas": ["Austin"]},
                    "日本": {"東京": ["渋谷", "新宿"]},
                },
            ),
            ("cf_order_number", "custom_number", None),
            ("cf_follow_up_date", "custom_date", None),
            ("cf_vip", "custom_checkbox", None),
        ]
        records = []
        for position, (name, kind, choices) in enumerate(default_fields + custom_fields, start=1):
            record = {
                "id": 43_000_300_000 + position,
                "name": name,
                "label": name.replace("cf_", "").replace("_", " ").title(),
                "description": None if position % 2 else f"The {name} field",
                "position": position,
                "required_for_closure": name == "cf_issue_type_297457",
                "required_for_agents": name in ("requester", "subject"),
                "type": kind,
                "default": kind.startswith("default_"),
                "customers_can_edit": name in ("subject", "description"),
                "label_for_customers": name.replace("_", " ").title(),
                "required_for_customers": name == "subject",
                "displayed_to_customers": True,
                **self.stamps()[1],
            }
            if choices is not None:
                record["choices"] = choices
            if kind == "nested_field":
                record["nested_ticket_fields"] = [
                    {"name": "cf_state", "label": "State", "level": 2},
                    {"name": "cf_city", "label": "City", "level": 3},
                ]
            records.append(record)
        self.data.lists["ticket_fields"] = records

    def build_canned_responses(self) -> None:
        folders, responses = [], []
        for i in range(self.s.canned_folder_count):
            fid = 43_000_400_000 + i
            count = 0 if i == self.s.canned_folder_count - 1 else 2 + i
            folders.append(
                {
                    "id": fid,
                    "name": ("General", "Personal", "Billing 💰", "Empty")[i % 4],
                    "personal": i == 1,
                    "responses_count": count,
                    **self.stamps(to_ist)[1],
                }
            )
            for j in range(count):
                body = f"<div>Hello {{{{ticket.requester.name}}}}, reply #{j} ✓</div>"
                responses.append(
                    {
                        "id": 43_000_410_000 + i * 100 + j,
                        "title": f"Reply {i}.{j}",
                        "folder_id": fid,
                        "content": _strip_html(body),
                        "content_html": body,
                        "attachments": [],
                        "group_ids": [],
                        "visibility": 0,
                        **self.stamps(to_ist)[1],
                    }
                )
        self.data.lists["canned_response_folders"] = folders
        self.data.lists["canned_responses"] = responses

    def build_discussions(self) -> None:
        cats, forums, topics, comments = [], [], [], []
        for c in range(self.s.discussion_category_count):
            cid = 43_000_500_000 + c
            cats.append(
                {
                    "id": cid,
                    "name": f"Community {c}",
                    "description": None if c else "Talk to us",
                    **self.stamps()[1],
                }
            )
            # The last category stays empty: walkers must cope with an empty child list.
            forum_count = 0 if c == self.s.discussion_category_count - 1 else 2
            for f in range(forum_count):
                fid = 43_000_510_000 + c * 10 + f
                topic_count = (3, 0)[f % 2]
                forums.append(
                    {
                        "id": fid,
                        "name": f"Forum {c}.{f}",
                        "description": None,
                        "forum_category_id": cid,
                        "forum_type": 1 + f % 4,
                        "forum_visibility": 1,
                        "position": f + 1,
                        "posts_count": topic_count * 2,
                        "topics_count": topic_count,
                    }
                )
                for t in range(topic_count):
                    tid = 43_000_520_000 + (c * 10 + f) * 10 + t
                    created, stamps = self.stamps()
                    topics.append(
                        {
                            "id": tid,
                            "title": f"How do I {t}? 🤔",
                            "forum_id": fid,
                            "user_id": self.rng.choice(self.agent_ids),
                            "locked": False,
                            "published": True,
                            "stamp_type": None,
                            "replied_by": None,
                            "user_votes": t,
                            "merged_topic_id": None,
                            "comments_count": t,
                            "sticky": t == 0,
                            **stamps,
                            "replied_at": stamps["updated_at"] if t else None,
                            "hits": 10 * t,
                        }
                    )
                    for k in range(t):
                        body = f"<p>Answer {k} — 答え</p>"
                        comments.append(
                            {
                                "id": 43_000_530_000 + tid % 100_000 * 10 + k,
                                "body": body,
                                "body_text": _strip_html(body),
                                "topic_id": tid,
                                "forum_id": fid,
                                "user_id": self.rng.choice(self.agent_ids),
                                "answer": k == 0,
                                "published": True,
                                "spam": None,
                                "trash": False,
                                **self.stamps()[1],
                            }
                        )
        lists = self.data.lists
        lists["discussion_categories"] = cats
        lists["discussion_forums"] = forums
        lists["discussion_topics"] = topics
        lists["discussion_comments"] = comments

    def build_solutions(self) -> None:
        cats, folders, articles = [], [], []
        folder_seq = 0
        article_seq = 0

        def add_folder(category: Record, parent: Record | None, depth: int, with_articles: int):
            nonlocal folder_seq, article_seq
            folder_seq += 1
            fid = 43_000_610_000 + folder_seq
            hierarchy = [
                {
                    "level": 0,
                    "type": "category",
                    "data": {"id": category["id"], "name": category["name"], "language": "en"},
                }
            ]
            if parent is not None:
                hierarchy += [dict(level) for level in parent["hierarchy"][1:]]
            name = f"Folder {folder_seq}" + (" (sub)" if parent else "")
            hierarchy.append(
                {
                    "level": len(hierarchy),
                    "type": "folder",
                    "data": {"id": fid, "name": name, "language": "en"},
                }
            )
            folder = {
                "id": fid,
                "name": name,
                "description": None if folder_seq % 2 else "Guides",
                "visibility": 1,
                **self.stamps()[1],
                "category_id": category["id"],
                "parent_folder_id": parent["id"] if parent else None,
                "sub_folders_count": 0,
                "articles_count": with_articles,
                "hierarchy": hierarchy,
            }
            folders.append(folder)
            if parent is not None:
                parent["sub_folders_count"] += 1
            for _ in range(with_articles):
                article_seq += 1
                body = f"<h1>Article {article_seq}</h1><p>Schritt für Schritt ✓</p>"
                articles.append(
                    {
                        "id": 43_000_620_000 + article_seq,
                        "type": 1,
                        "category_id": category["id"],
                        "folder_id": fid,
                        "hierarchy": [dict(level) for level in hierarchy],
                        "thumbs_up": article_seq % 5,
                        "thumbs_down": 0,
                        "hits": article_seq * 3,
                        "tags": ["howto"] if article_seq % 2 else [],
                        "seo_data": {"meta_title": None, "meta_description": None},
                        "agent_id": self.rng.choice(self.agent_ids),
                        "title": f"How to do thing {article_seq}",
                        "description": body,
                        "description_text": _strip_html(body),
                        "status": 1 + article_seq % 2,
                        **self.stamps()[1],
                    }
                )
            return folder

        for c in range(self.s.solution_category_count):
            category = {
                "id": 43_000_600_000 + c,
                "name": f"Knowledge base {c}",
                "description": None if c else "Everything you need",
                **self.stamps()[1],
                "visible_in_portals": [43_000_000_001],
            }
            cats.append(category)
            if c == self.s.solution_category_count - 1 and c > 0:
                continue  # an empty category
            top = add_folder(category, None, 0, 3)
            # A folder with no direct articles: its content is reachable only via subfolders.
            hub = add_folder(category, None, 0, 0)
            sub = add_folder(category, hub, 1, 2)
            add_folder(category, sub, 2, 1)
            add_folder(category, top, 1, 1)
        lists = self.data.lists
        lists["solution_categories"] = cats
        lists["solution_folders"] = folders
        lists["solution_articles"] = articles

    # ---- companies, contacts -------------------------------------------------------------------
    def build_companies(self) -> None:
        rng = self.rng
        companies = []
        for i in range(self.s.company_count):
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
                    **self.stamps()[1],
                    "custom_fields": custom,
                    "health_score": rng.choice(["Happy", "Doing okay", "At risk", None]),
                    "account_tier": rng.choice(["Basic", "Premium", None]),
                    "renewal_date": None if i % 2 else to_z(self.now + 90 * DAY),
                    "industry": rng.choice(texts.INDUSTRIES),
                    "org_company_id": str(8_000_000_000_000_000 + i),
                }
            )
        self.data.lists["companies"] = companies
        self.company_ids = [c["id"] for c in companies]

    def build_contacts(self) -> None:
        rng, s = self.rng, self.s
        total = s.contact_count + s.blocked_contact_count + s.deleted_contact_count
        states = (
            ["blocked"] * s.blocked_contact_count
            + ["deleted"] * s.deleted_contact_count
            + ["verified", "unverified"] * (s.contact_count // 2)
            + ["verified"] * (s.contact_count % 2)
        )
        rng.shuffle(states)
        # A few bulk updates give many contacts one shared updated_at.
        bulk_moments = [self.past(400, 5) for _ in range(3)]
        contacts = []
        for i in range(total):
            first, last = self.name()
            cid = 43_001_000_000 + i * 7
            created = self.past(s.history_days, 1)
            if rng.random() < 0.05:
                updated = max(created, rng.choice(bulk_moments))
            else:
                updated = self.later(created, rng.expovariate(1 / (30 * DAY)))
            state = states[i]
            company = rng.choice(self.company_ids) if rng.random() < 0.6 else None
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
            }
            if state == "deleted":
                record["deleted"] = True
            contacts.append(record)
            self.data.contact_state[cid] = state
        self.data.contacts = contacts
        self.visible_contacts = [
            c for c in contacts if self.data.contact_state[c["id"]] in ("verified", "unverified")
        ]
        self.deleted_contacts = [
            c for c in contacts if self.data.contact_state[c["id"]] == "deleted"
        ]

    # ---- tickets -------------------------------------------------------------------------------
    def build_tickets(self) -> None:
        rng, s, now = self.rng, self.s, self.now
        rand = rng.random  # _pick(rand, seq) is several times cheaper than rng.choice
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
                created_list.append((self.past(s.history_days, RECENT_WINDOW_DAYS + 1), False))
        created_list.sort()
        hidden = ["deleted"] * s.deleted_ticket_count + ["spam"] * s.spam_ticket_count
        hidden_at = rng.sample(
            [i for i, (_, in_block) in enumerate(created_list) if not in_block], len(hidden)
        )
        hidden_kind = dict(zip(hidden_at, hidden, strict=True))
        large_html_at = set(rng.sample(range(total), min(total, s.large_html_ticket_count)))
        bulk_moments = [self.past(300, 2) for _ in range(5)]
        extra_cf = [f"cf_extra_{k:03d}" for k in range(s.extra_custom_field_count)]
        contacts = self.visible_contacts
        companies = self.company_ids
        # Tickets whose requester contact was deleted: include=requester gives null, while the
        # requester_id still names a contact listed under contacts?state=deleted.
        deleted_contacts = self.deleted_contacts
        subjects, descriptions = texts.SUBJECTS, texts.DESCRIPTIONS
        descr_texts = [_strip_html(d) for d in descriptions]
        large_text = _strip_html(self.large_html)
        tickets: dict[int, TicketRow] = {}
        for ordinal, (created, in_block) in enumerate(created_list):
            tid = ordinal + 1
            r = rng.random()
            if in_block:
                updated = block_moment
            elif r < 0.03:
                updated = max(created, _pick(rand, bulk_moments))
            elif r < 0.3:
                updated = self.later(created, rng.uniform(0, 3600))
            else:
                updated = self.later(created, rng.expovariate(1 / (12 * DAY)))
            status = _pick(rand, (2, 2, 3, 4, 5, 5))
            requester = _pick(rand, contacts) if contacts else None
            if deleted_contacts and (requester is None or r > 0.995):
                requester = None
                requester_id, requester_obj = _pick(rand, deleted_contacts)["id"], None
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
                company_id = _pick(rand, companies) if companies and r < 0.5 else None
            responder = _pick(rand, self.agent_ids) if self.agent_ids and r < 0.8 else None
            group = _pick(rand, self.group_ids) if self.group_ids and r < 0.7 else None
            created_z, updated_z = to_z(created), to_z(updated)
            custom = {
                "cf_issue_type_297457": _pick(rand, ("Login", "Billing", "Bug", None)),
                # Usually a string; occasionally the API sends a bool here.
                "cf_bank964807": True if ordinal % 53 == 0 else f"ACC-{ordinal:06d}",
                "cf_country": _pick(rand, ("USA", "日本", None)),
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
                "email_config_id": self.email_config_ids[0] if self.email_config_ids else None,
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
                "product_id": self.product_ids[0] if self.product_ids and r < 0.5 else None,
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
                description, description_text = self.large_html, large_text
            else:
                pick = ordinal % len(descriptions)
                description, description_text = descriptions[pick], descr_texts[pick]
            tickets[tid] = TicketRow(
                base, description, description_text, stats, requester_obj, ordinal
            )
        self.data.tickets = tickets
        self._archive(tickets, to_z(block_moment) if block else None)

    def _archive(self, tickets: dict[int, TicketRow], block_stamp: str | None) -> None:
        if not self.s.archived_ticket_count:
            return
        old_enough = to_z(self.now - 150 * DAY)
        candidates = [
            row
            for row in tickets.values()
            if row.hidden_by is None
            and row.base["created_at"] < old_enough
            and row.base["updated_at"] != block_stamp  # keep the identical-stamp block intact
        ]
        for row in self.rng.sample(candidates, min(len(candidates), self.s.archived_ticket_count)):
            row.archived = True
            row.base["status"] = 5
            row.base["updated_at"] = max(row.base["created_at"], old_enough)
            row.stats["closed_at"] = row.stats["resolved_at"] = row.base["updated_at"]

    # ---- ticket children -----------------------------------------------------------------------
    def build_ratings_and_time_entries(self) -> None:
        rng, s = self.rng, self.s
        visible = [t for t in self.data.tickets.values() if t.hidden_by is None]
        surveys = self.data.lists["surveys"]
        ratings = []
        for i in range(s.satisfaction_rating_count if visible else 0):
            ticket = rng.choice(visible)
            created = self.later(from_z(ticket.base["updated_at"]), rng.randint(60, DAY))
            updated = created
            if i % 10 == 0:  # feedback edited long after the rating was given
                updated = self.later(created, rng.randint(20, 120) * DAY)
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
        self.data.lists["satisfaction_ratings"] = ratings
        entries = []
        for i in range(s.time_entry_count if visible else 0):
            ticket = rng.choice(visible)
            created = self.later(from_z(ticket.base["created_at"]), rng.randint(60, 5 * DAY))
            # Work is often logged after the fact: executed_at may precede created_at.
            executed = created - rng.randint(0, 2 * DAY)
            running = i % 40 == 0
            updated = self.now - rng.randint(0, 600) if running else created
            if i % 7 == 0 and not running:
                updated = self.later(created, rng.randint(1, 60) * DAY)
            minutes = rng.randint(1, 600)
            entries.append(
                {
                    "id": 43_003_000_000 + i * 5,
                    "billable": i % 2 == 0,
                    "note": None if i % 3 else "Called the customer ☎",
                    "timer_running": running,
                    "agent_id": rng.choice(self.agent_ids) if self.agent_ids else None,
                    "ticket_id": ticket.id,
                    "company_id": ticket.base["company_id"],
                    "time_spent": f"{minutes // 60:02d}:{minutes % 60:02d}",
                    "executed_at": to_z(executed),
                    "start_time": to_z(executed),
                    "created_at": to_z(created),
                    "updated_at": to_z(max(updated, created)),
                }
            )
        self.data.lists["time_entries"] = entries


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
        body = texts.CONVERSATION_BODIES[(ticket.ordinal + k) % len(texts.CONVERSATION_BODIES)]
        incoming = k % 2 == 0
        private = k % 4 == 3
        records.append(
            {
                "body": body,
                "body_text": _strip_html(body),
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


def build_dataset(settings: SandboxSettings, now: int) -> Dataset:
    builder = _Builder(settings, now)
    builder.build_small_resources()
    builder.build_companies()
    builder.build_contacts()
    builder.build_tickets()
    builder.build_ratings_and_time_entries()
    return builder.data
