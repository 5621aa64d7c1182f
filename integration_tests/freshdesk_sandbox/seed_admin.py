"""Admin metadata: contact and company fields, ticket forms, the account, automation rules, and
the admin view of the ticket fields (with sections)."""

from __future__ import annotations

from typing import Any

from .seeding import BIG_COMPANY_ID, Record, SeedContext

# automation_type_id -> what the API calls the rule set (the connector's rule_type column).
AUTOMATION_TYPES = {1: "ticket_creation", 3: "time_triggers", 4: "ticket_updates"}
# The custom keys seed_people puts in contacts' and companies' custom_fields, by field type.
CONTACT_CUSTOM_FIELDS = (
    ("cf_loyalty_tier", "custom_dropdown", ["gold", "silver"]),
    ("cf_birthday", "custom_date", None),
    ("cf_newsletter", "custom_checkbox", None),
)
COMPANY_CUSTOM_FIELDS = (
    ("cf_contract_value", "custom_decimal", None),
    ("cf_segment", "custom_dropdown", ["smb", "enterprise"]),
    ("cf_renewal_flag", "custom_checkbox", None),
)
# Keys the admin list adds to a public ticket field; the admin list drops `choices`.
ADMIN_ONLY_FIELD_KEYS = (
    "is_fsm",
    "field_update_in_progress",
    "has_section",
    "archived",
    "section_mappings",
    "dependent_fields",
)


def build_admin_metadata(ctx: SeedContext) -> None:
    lists = ctx.data.lists
    lists["contact_fields"] = _customer_fields(
        ctx,
        43_000_600_000,
        [
            ("name", "default_name", None),
            ("email", "default_email", None),
            ("job_title", "default_job_title", None),
            ("time_zone", "default_time_zone", {"Tokyo": "(GMT+09:00) Tokyo", "Berlin": "Berlin"}),
            ("language", "default_language", {"en": "English", "ja-JP": "Japanese"}),
            *CONTACT_CUSTOM_FIELDS,
        ],
        portal_flags=True,
    )
    lists["company_fields"] = _customer_fields(
        ctx,
        43_000_610_000,
        [
            ("name", "default_name", None),
            ("domains", "default_domains", None),
            ("health_score", "default_health_score", ["At risk", "Doing okay", "Happy"]),
            ("account_tier", "default_account_tier", ["Basic", "Premium"]),
            ("renewal_date", "default_renewal_date", None),
            *COMPANY_CUSTOM_FIELDS,
        ],
        portal_flags=False,
    )
    lists["ticket_forms"] = _ticket_forms(ctx)
    lists["account"] = [_account(ctx)]
    lists["automation_rules"] = _automation_rules(ctx)
    lists["admin_ticket_fields"] = [_admin_ticket_field(f) for f in lists["ticket_fields"]]


def _customer_fields(
    ctx: SeedContext, first_id: int, fields: list[tuple[str, str, Any]], portal_flags: bool
) -> list[Record]:
    records = []
    for position, (name, kind, choices) in enumerate(fields, start=1):
        record: Record = {
            "id": first_id + position,
            # The key the records' custom_fields use for this field.
            "name": name,
            "label": name.removeprefix("cf_").replace("_", " ").title(),
            "position": position,
            "required_for_agents": name == "name",
            "type": kind,
            "default": kind.startswith("default_"),
            "agents_can_edit": True,
            "displayed_for_agents": True,
            "quick_add_for_agent": name == "name",
            "unique": name == "email",
            "choices": choices if choices is not None else [],
            **ctx.stamps()[1],
        }
        if portal_flags:
            record |= {
                "label_for_customers": record["label"],
                "editable_in_signup": name == "name",
                "customers_can_edit": name != "email",
                "required_for_customers": name == "email",
                "displayed_for_customers": True,
            }
        records.append(record)
    return records


def _ticket_forms(ctx: SeedContext) -> list[Record]:
    fields = ctx.data.lists["ticket_fields"]
    forms = []
    for i, (name, title) in enumerate(
        (("report_an_issue", "Report an issue"), ("billing", "Billing ✦"))
    ):
        stamps = ctx.stamps()[1]
        chosen = fields[: 4 + 3 * i]
        forms.append(
            {
                "id": 43_000_620_000 + i,
                "name": name,
                "title": title,
                "default": i == 0,
                "description": None if i else "The default form",
                "last_updated_by": ctx.agent_ids[0] if ctx.agent_ids else None,
                "portals": [{"id": 43_000_630_000, "name": "Sandbox portal"}],
                **stamps,
                # Only the view by id carries fields, with space-separated zoneless stamps and
                # portal_cc as the string "false" (a boolean in /ticket_fields).
                "fields": [
                    {
                        "id": field["id"],
                        "name": field["name"],
                        "label": field["label"],
                        "label_for_customers": field["label_for_customers"],
                        "position": position,
                        "type": field["type"],
                        "default": field["default"],
                        "customers_can_edit": field["customers_can_edit"],
                        "required_for_closure": field["required_for_closure"],
                        "required_for_agents": field["required_for_agents"],
                        "required_for_customers": field["required_for_customers"],
                        "displayed_to_customers": field["displayed_to_customers"],
                        "archived": False,
                        "portal_cc": "false" if field["type"] == "default_requester" else None,
                        "created_at": _spaced(field["created_at"]),
                        "updated_at": _spaced(field["updated_at"]),
                    }
                    for position, field in enumerate(chosen, start=1)
                ],
            }
        )
    return forms


def _spaced(stamp: str) -> str:
    return stamp.replace("T", " ").removesuffix("Z")


def _account(ctx: SeedContext) -> Record:
    return {
        "organisation_id": BIG_COMPANY_ID,  # > 2^53, as in the docs' example
        "organisation_name": "sandbox.myfreshworks.com",
        "account_id": 1_840_509,
        "account_name": "Sandbox Support",
        "account_domain": "sandbox.freshdesk.com",
        "bundle_id": None,
        "hipaa_compliant": False,
        "total_agents": {
            "full_time": len(ctx.agent_ids),
            "occasional": 0,
            "field_service": 0,
            "collaborators": 1,
        },
        "timezone": "Eastern Time (US & Canada)",
        "data_center": "US",
        "tier_type": "Forest",
        # A postcode with a leading zero: typed as an integer it would lose a digit.
        "address": {
            "country": "US",
            "state": "MA",
            "city": "Boston",
            "street": "1 Main St",
            "postalcode": "02108",
        },
        "contact_person": {"firstname": "Ada", "lastname": "Admin", "email": "ada@sandbox.example"},
    }


def _millis(stamp: str, ordinal: int) -> str:
    # Rules carry millisecond stamps ("2020-12-14T05:21:27.201Z").
    return f"{stamp.removesuffix('Z')}.{ordinal % 1000:03d}Z"


def _automation_rules(ctx: SeedContext) -> list[Record]:
    rules = []
    for type_index, type_id in enumerate(AUTOMATION_TYPES):
        for i in range(2 + type_index):
            ordinal = type_index * 10 + i
            stamps = ctx.stamps()[1]
            webhook = i == 0
            action: Record = (
                {
                    "field_name": "trigger_webhook",
                    "request_type": "POST",
                    "url": "https://hooks.example.com/freshdesk",
                    "api_key": f"secret-api-key-{ordinal}",
                    "auth_header": {"username": "hook", "password": f"secret-password-{ordinal}"},
                    "custom_headers": {"X-Token": f"secret-header-{ordinal}"},
                    "content": {"content_layout": "1", "content_type": "JSON"},
                }
                if webhook
                else {"field_name": "priority", "value": 3}
            )
            rule: Record = {
                "id": 43_000_640_000 + ordinal,
                "name": f"Rule {ordinal} ✓",
                "position": i + 1,
                "active": i % 2 == 0,
                "automation_type_id": type_id,
                "operator": "AND",
                "outdated": False,
                "last_updated_by": ctx.agent_ids[0] if ctx.agent_ids else None,
                "affected_tickets_count": 10 * i,
                "description": None if i % 2 else "Routes urgent tickets to tier 2 🚨",
                "Summary": {
                    "conditions": {"condition_set_1": ["Priority is Low or Medium"]},
                    "actions": ["Trigger webhook" if webhook else "Set priority as High"],
                },
                "created_at": _millis(stamps["created_at"], ordinal),
                "updated_at": _millis(stamps["updated_at"], ordinal),
                "conditions": [
                    {
                        "name": "condition_set_1",
                        "match_type": "all",
                        "properties": [
                            {
                                "resource_type": "tickets",
                                "field_name": "priority",
                                "operator": "in",
                                "value": [1, 2],
                                "related_conditions": [],
                            }
                        ],
                    }
                ],
                "actions": [action],
            }
            if type_id == 4:
                rule["performer"] = {"type": 1, "members": [str(a) for a in ctx.agent_ids[:2]]}
                rule["events"] = [{"field_name": "priority", "from": "--", "to": "--"}]
            rules.append(rule)
    return rules


def _admin_ticket_field(public: Record) -> Record:
    """The admin list's view of one ticket field: no choices, admin-only keys added."""
    record = {k: v for k, v in public.items() if k not in ("choices", "nested_ticket_fields")}
    has_section = public["type"] == "custom_dropdown"
    record |= {
        "is_fsm": False,
        "field_update_in_progress": False,
        "has_section": has_section,
        "archived": False,
        "section_mappings": [],
        "dependent_fields": [
            {
                "id": public["id"] * 10 + level,
                "name": nested["name"],
                "label": nested["label"],
                "label_for_customers": nested["label"],
                "level": level,
                "ticket_field_id": public["id"],
                "created_at": public["created_at"],
                "updated_at": public["updated_at"],
            }
            for level, nested in enumerate(public.get("nested_ticket_fields", []), start=2)
        ],
    }
    if has_section:
        record["sections"] = [
            {
                "id": public["id"] * 100 + 1,
                "label": "Billing details",
                "parent_ticket_field_id": public["id"],
                "choice_ids": [public["id"] * 1000 + 2],
                "ticket_field_ids": [public["id"] + 1],
            }
        ]
    return record


def admin_ticket_field_view(public: Record, admin: Record, with_sections: bool) -> Record:
    """What an admin key's sync of ticket_fields emits: the public record plus admin-only keys."""
    merged = dict(public)
    for key in ADMIN_ONLY_FIELD_KEYS:
        if key in admin:
            merged[key] = admin[key]
    if with_sections and "sections" in admin:
        merged["sections"] = admin["sections"]
    return merged
