"""The newer CSAT surveys with their responses, and custom objects (schemas and records).

Both use token paging in the real API; the records here are stored in the order the API lists them.
"""

from __future__ import annotations

import uuid

from .clock import to_z
from .seeding import DAY, SeedContext

CSAT_SURVEY_COUNT = 3
# The last survey has no responses: its responses endpoint answers 404.
CSAT_RESPONSES_PER_SURVEY = (45, 7, 0)
CUSTOM_OBJECT_RECORDS = (("BKG", "Booking", 57), ("ORD", "Order", 4))


def _uuid(ctx: SeedContext) -> str:
    return str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))


def build_csat_and_custom_objects(ctx: SeedContext) -> None:
    surveys, responses = [], []
    for i in range(CSAT_SURVEY_COUNT):
        survey_id = _uuid(ctx)
        surveys.append(
            {
                "id": survey_id,
                "title": ("Customer satisfaction", "Post-resolution", "Draft survey ✎")[i],
                "description": None if i else "How did we do?",
                "header_message": "We value your feedback",
                "state": ("ACTIVE", "PAUSE", "DRAFT")[i],
                "language": "en",
                "questions": [
                    {
                        "id": "Q_1",
                        "type": "range",
                        "question_identifier": "CSAT",
                        "text": "How satisfied are you?",
                        "label": "Satisfaction",
                        "required": True,
                        "deleted": False,
                        "scale": {"min": 1, "max": 5, "variant": "emoji", "labels": []},
                        "ratings": [{"value": v, "label": str(v)} for v in range(1, 6)],
                    },
                    {"id": "Q_2", "type": "text", "text": "Anything else?", "required": False},
                ],
            }
        )
        for n in range(CSAT_RESPONSES_PER_SURVEY[i]):
            created = ctx.past(200, 1)
            updated = ctx.later(created, ctx.rng.expovariate(1 / (3 * DAY)))
            responses.append(
                {
                    "id": _uuid(ctx),
                    "survey_id": survey_id,
                    "survey_version_id": _uuid(ctx),
                    "user_id": str(43_000_700_000 + n),
                    "agent_id": str(ctx.agent_ids[n % len(ctx.agent_ids)])
                    if ctx.agent_ids
                    else None,
                    "group_id": str(ctx.group_ids[0]) if ctx.group_ids and n % 2 else None,
                    "ticket_id": n + 1,
                    "status": "COMPLETED" if n % 5 else "PARTIAL",
                    "answers": [
                        {
                            "question_id": "Q_1",
                            "question_text": "How satisfied are you?",
                            "value": 1 + n % 5,
                        },
                        {
                            "question_id": "Q_2",
                            "question_text": "Anything else?",
                            "value": "Thanks ✓",
                        },
                    ],
                    "created_at": to_z(created),
                    "updated_at": to_z(updated),
                }
            )
    lists = ctx.data.lists
    lists["csat_surveys"] = surveys
    lists["csat_survey_responses"] = responses
    _custom_objects(ctx)


def _custom_objects(ctx: SeedContext) -> None:
    schemas, records = [], []
    for i, (prefix, title, count) in enumerate(CUSTOM_OBJECT_RECORDS):
        schema_id = 10_159_914 + i
        created = ctx.past(400, 100)
        fields = [
            ("name", "PRIMARY", None),
            ("amount", "DECIMAL", None),
            ("seats", "NUMBER", None),
            ("starts_on", "DATE", None),
            ("kind", "DROPDOWN", ["standard", "premium"]),
            ("tags", "MULTI_SELECT", ["a", "b", "c"]),
            ("ticket", "LOOKUP", None),
        ]
        schemas.append(
            {
                "id": schema_id,
                "name": title.lower(),
                "prefix": prefix,
                "title": title,
                "description": f"{title}s made by customers",
                "version": 1 + i,
                "deleted": False,
                # Epoch milliseconds, unlike the rest of the API.
                "created_time": created * 1000,
                "updated_time": ctx.later(created, 30 * DAY) * 1000 + 123,
                "fields": [
                    {
                        "id": _uuid(ctx),
                        "name": name,
                        "label": name.title(),
                        "type": kind,
                        "position": position,
                        "required": kind == "PRIMARY",
                        "editable": True,
                        "visible": True,
                        "deleted": False,
                        "placeholder": None,
                        "hint": None,
                        "filterable": kind != "PARAGRAPH",
                        "searchable": kind == "PRIMARY",
                        "parent_id": None,
                        "choices": [
                            {"id": n + 1, "value": value, "position": n + 1}
                            for n, value in enumerate(choices or [])
                        ],
                    }
                    for position, (name, kind, choices) in enumerate(fields, start=1)
                ],
            }
        )
        for n in range(count):
            made = ctx.past(90, 1)
            changed = ctx.later(made, ctx.rng.expovariate(1 / (10 * DAY)))
            records.append(
                {
                    "schema_id": schema_id,
                    "display_id": f"{prefix}-{n + 1}",
                    "created_time": made * 1000 + n % 1000,
                    "updated_time": changed * 1000 + n % 1000,
                    "version": 1,
                    "data": {
                        "name": f"{title} {n + 1}",
                        "amount": round(10 + n * 1.25, 2),
                        "seats": n % 7,
                        "starts_on": to_z(made)[:10],
                        "kind": "premium" if n % 3 else "standard",
                        "tags": ["a", "c"] if n % 2 else [],
                        "ticket": str(n + 1),
                    },
                    "metadata": {"primary_field_name": "name"},
                }
            )
    ctx.data.lists["custom_object_schemas"] = schemas
    ctx.data.lists["custom_object_records"] = records
