"""Account configuration: catalog, team, channels, ticket fields and canned responses."""

from __future__ import annotations

from typing import Any

from . import texts
from .clock import to_ist, to_z
from .seeding import (
    BIG_COMPANY_ID,
    DAY,
    SeedContext,
    strip_html,
)


def build_catalog(ctx: SeedContext) -> None:
    """Products and roles."""
    s, lists = ctx.s, ctx.data.lists
    lists["products"] = [
        {
            "id": 43_000_010_000 + i,
            "name": f"Product {i} ✦",
            "description": None if i % 2 else "Main product line",
            "primary_email": f"support{i}@sandbox.example",
            **ctx.stamps()[1],
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
            **ctx.stamps()[1],
            "agent_type": 1,
        }
        for i in range(s.role_count)
    ]


def build_team(ctx: SeedContext) -> None:
    """Agents, groups and skills (admin-only resources, some with +05:30 stamps)."""
    rng, s, lists = ctx.rng, ctx.s, ctx.data.lists
    agent_ids = [43_000_100_000 + i for i in range(s.agent_count)]
    ctx.agent_ids = agent_ids
    ctx.group_ids = [43_000_050_000 + i for i in range(s.group_count)]
    ctx.product_ids = [p["id"] for p in lists["products"]]
    business_ids = ctx.business_ids = [43_000_030_000 + i for i in range(s.business_hours_count)]
    lists["groups"] = [
        {
            "id": gid,
            "name": ("Billing", "Escalations", "サポート", "Tier 2", "VIP", "Night shift")[i % 6],
            "description": None if i % 3 == 0 else "Handles tickets",
            "escalate_to": rng.choice(agent_ids) if i % 2 and agent_ids else None,
            "unassigned_for": "30m" if i % 2 else None,
            "business_hour_id": business_ids[i % len(business_ids)] if business_ids else None,
            "group_type": "support_agent_group",
            "agent_ids": sorted(rng.sample(agent_ids, min(len(agent_ids), 3))),
            "auto_ticket_assign": i % 2 == 0,
            **ctx.stamps(to_ist)[1],
            "agent_availability_status": i % 2 == 0,
        }
        for i, gid in enumerate(ctx.group_ids)
    ]
    skill_ids = [43_000_040_000 + i for i in range(s.skill_count)]
    lists["skills"] = [
        {
            "id": sid,
            "name": ("Spanish", "Billing", "Hardware", "日本語")[i % 4],
            "rank": i + 1,
            **ctx.stamps()[1],
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
        first, last = ctx.name()
        created, _ = ctx.stamps()
        login = ctx.past(10) if i % 4 else None
        agents.append(
            {
                "available": i % 3 != 0,
                "occasional": i % 7 == 6,
                "id": aid,
                "ticket_scope": 1 + i % 3,
                "signature": None if i % 2 else f"<div>{first} {last}</div>",
                "group_ids": sorted(rng.sample(ctx.group_ids, min(2, len(ctx.group_ids)))),
                "role_ids": [role_ids[i % len(role_ids)]] if role_ids else [],
                "skill_ids": skill_ids[:1] if i % 2 and skill_ids else [],
                "available_since": to_ist(ctx.past(2)) if i % 3 else None,
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
                    "updated_at": to_ist(ctx.later(created, DAY)),
                },
                "created_at": to_ist(created),
                "updated_at": to_ist(ctx.later(created, 5 * DAY)),
                "type": "support_agent",
                "focus_mode": i % 2 == 0,
                "deactivated": False,
                "last_active_at": to_ist(login) if login else None,
                "org_agent_id": str(7_000_000_000_000_000 + i),
            }
        )
    lists["agents"] = agents


def build_channels(ctx: SeedContext) -> None:
    """Business hours, e-mail, SLA, scenarios, surveys and helpdesk settings."""
    s, lists = ctx.s, ctx.data.lists
    week = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    lists["business_hours"] = [
        {
            "id": bid,
            "name": "Default" if i == 0 else f"Weekend crew {i}",
            "description": "Default Business Calendar" if i == 0 else None,
            "is_default": i == 0,
            "time_zone": ("Eastern Time (US & Canada)", "Chennai", "Tokyo")[i % 3],
            **ctx.stamps()[1],
            "business_hours": {
                day: {"start_time": "8:00 am", "end_time": "5:00 pm"}
                for day in (week[:5] if i == 0 else week)
            },
        }
        for i, bid in enumerate(ctx.business_ids)
    ]
    lists["email_configs"] = [
        {
            "id": 43_000_060_000 + i,
            "name": f"Support {i}",
            "product_id": ctx.product_ids[i % len(ctx.product_ids)] if i else None,
            "to_email": f"support{i}@sandbox.example",
            "reply_email": f"support{i}@sandbox.example",
            "group_id": ctx.group_ids[i % len(ctx.group_ids)] if i % 2 else None,
            "primary_role": i == 0,
            "active": i != 2,
            **ctx.stamps()[1],
        }
        for i in range(s.email_config_count)
    ]
    ctx.email_config_ids = [e["id"] for e in lists["email_configs"]]
    lists["email_mailboxes"] = [
        {
            "id": 43_000_070_000 + i,
            "name": f"Mailbox {i}",
            "support_email": f"help{i}@sandbox.example",
            "group_id": ctx.group_ids[i % len(ctx.group_ids)] if i % 2 else None,
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
                "incoming": {
                    "mail_server": "imap.example.com",
                    "port": 993,
                    "use_ssl": True,
                    "delete_from_server": False,
                    "authentication": "plain",
                    "user_name": f"help{i}@sandbox.example",
                    "failure_code": "AUTHENTICATION_FAILED",
                },
            },
            "failure_code": None if i % 2 == 0 else "AUTHENTICATION_FAILED",
            # Fixed offsets, not ctx.stamps(): drawing from the seed here would change every
            # record built after the mailboxes.
            "created_at": to_z(ctx.now - (400 - i) * DAY),
            "updated_at": to_z(ctx.now - (30 - i) * DAY),
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
                    "next_respond_within": None,
                    "business_hours": False,
                    "escalation_enabled": True,
                }
                for p in range(1, 5)
            },
            "applicable_to": {} if i == 0 else {"company_ids": [BIG_COMPANY_ID]},
            "escalation": {} if i == 0 else {"response": {"escalation_time": 0, "agent_ids": [-1]}},
            "created_at": to_z(ctx.now - (500 - i) * DAY),
            "updated_at": to_z(ctx.now - (60 - i) * DAY),
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
            **ctx.stamps()[1],
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
    ctx.data.settings_object = {
        "primary_language": "en",
        "supported_languages": ["de", "ja-JP", "ar"],
        "portal_languages": ["en", "de"],
        "help_widget_languages": [],
    }


def build_ticket_fields(ctx: SeedContext) -> None:
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
        ("group", "default_group", {"Billing": ctx.group_ids[0]} if ctx.group_ids else {}),
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
            "customers_can_filter": name in ("status", "ticket_type"),
            **ctx.stamps()[1],
        }
        if name == "requester":
            record["portal_cc"] = False
            record["portal_cc_to"] = "company"
        if choices is not None:
            record["choices"] = choices
        if kind == "nested_field":
            record["nested_ticket_fields"] = [
                {"name": "cf_state", "label": "State", "level": 2},
                {"name": "cf_city", "label": "City", "level": 3},
            ]
        records.append(record)
    ctx.data.lists["ticket_fields"] = records


def build_canned_responses(ctx: SeedContext) -> None:
    folders, responses = [], []
    for i in range(ctx.s.canned_folder_count):
        fid = 43_000_400_000 + i
        count = 0 if i == ctx.s.canned_folder_count - 1 else 2 + i
        folders.append(
            {
                "id": fid,
                "name": ("General", "Personal", "Billing 💰", "Empty")[i % 4],
                "personal": i == 1,
                "responses_count": count,
                **ctx.stamps(to_ist)[1],
            }
        )
        for j in range(count):
            body = f"<div>Hello {{{{ticket.requester.name}}}}, reply #{j} ✓</div>"
            responses.append(
                {
                    "id": 43_000_410_000 + i * 100 + j,
                    "title": f"Reply {i}.{j}",
                    "folder_id": fid,
                    "content": strip_html(body),
                    "content_html": body,
                    "attachments": [],
                    "group_ids": [],
                    "visibility": 0,
                    **ctx.stamps(to_ist)[1],
                }
            )
    ctx.data.lists["canned_response_folders"] = folders
    ctx.data.lists["canned_responses"] = responses
