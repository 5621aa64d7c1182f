"""Contract tests for the Freshdesk stream schemas shipped in source_freshdesk/schemas/.

The catalog published by `discover` is built from these files, and the CDK's TypeTransformer
coerces every record to them, so a wrong type here silently corrupts data (an object declared
as a string becomes a Python repr, a big id declared as a number loses digits).
"""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader
from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer
from jsonschema import Draft7Validator

# find_spec does not execute source_freshdesk/__init__.py, so these contract tests do not
# depend on the connector code importing cleanly.
_PACKAGE_SPEC = importlib.util.find_spec("source_freshdesk")
assert _PACKAGE_SPEC is not None and _PACKAGE_SPEC.submodule_search_locations
SCHEMAS_DIR = Path(next(iter(_PACKAGE_SPEC.submodule_search_locations))) / "schemas"

EXPECTED_STREAMS = frozenset(
    {
        "agents",
        "business_hours",
        "canned_response_folders",
        "canned_responses",
        "companies",
        "contacts",
        "conversations",
        "discussion_categories",
        "discussion_comments",
        "discussion_forums",
        "discussion_topics",
        "email_configs",
        "email_mailboxes",
        "groups",
        "products",
        "roles",
        "satisfaction_ratings",
        "scenario_automations",
        "settings",
        "skills",
        "sla_policies",
        "solution_articles",
        "solution_categories",
        "solution_folders",
        "surveys",
        "ticket_fields",
        "tickets",
        "time_entries",
        # Beyond Airbyte's 28:
        "account",
        "automation_rules",
        "company_fields",
        "contact_fields",
        "ticket_forms",
        "csat_surveys",
        "csat_survey_responses",
        "custom_object_schemas",
        "custom_object_records",
        "ticket_activities",
        "archived_tickets",
        "ticket_attachments",
    }
)
# These resources have no reliable created_at/updated_at pair in the API, so the connector
# cannot use updated_at as their cursor; every other stream must declare both.
STREAMS_WITHOUT_TIMESTAMPS = frozenset(
    {
        "discussion_forums",
        "email_mailboxes",
        "settings",
        "sla_policies",
        "scenario_automations",
        "account",
        "csat_surveys",
        "custom_object_schemas",  # epoch-millisecond created_time / updated_time instead
        "custom_object_records",
        "ticket_activities",  # performed_at only
    }
)
STREAMS_WITH_TIMESTAMPS = sorted(EXPECTED_STREAMS - STREAMS_WITHOUT_TIMESTAMPS)
PRIMARY_KEYS: dict[str, list[str]] = {
    name: {
        "settings": ["primary_language"],
        "account": ["account_id"],
        "custom_object_records": ["schema_id", "display_id"],
        "ticket_activities": ["_airbyte_ticket_activity_id"],
        "ticket_attachments": ["kind", "id"],
    }.get(name, ["id"])
    for name in EXPECTED_STREAMS
}
FORBIDDEN_KEYWORDS = ("$ref", "allOf", "not")
# Identifiers the API serialises as strings: ones minted outside Freshdesk (a Twitter user id,
# a Facebook id, the customer's own external id, a chat visitor id) and the Freshworks org-level
# ids of agents and companies. Typing them integer would make TypeTransformer mangle real values.
# Everything else named *_id is a Freshdesk integer id (org_contact_id included).
EXTERNAL_STRING_IDS = frozenset(
    {
        "twitter_id",
        "facebook_id",
        "unique_external_id",
        "visitor_id",
        "org_agent_id",
        "org_company_id",
        "bundle_id",  # the account's Freshworks bundle
    }
)
# Streams of the newer APIs whose identifiers are strings: CSAT sends UUIDs and numeric ids as
# strings, custom objects give their fields UUIDs and their records display ids like "BKG-1".
STRING_IDS = {
    "csat_surveys": {"$.id", "$.questions[].scale.score_ranges[].id"},
    "csat_survey_responses": {
        "$.id",
        "$.survey_id",
        "$.survey_version_id",
        "$.user_id",
        "$.agent_id",
        "$.group_id",
        "$.answers[].question_id",
    },
    "custom_object_schemas": {"$.fields[].id", "$.fields[].parent_id"},
    "custom_object_records": {"$.display_id"},
    "ticket_activities": {"$._airbyte_ticket_activity_id"},  # a content hash
}
BEYOND_FLOAT_PRECISION = 2**53 + 1


def load_schema(stream: str) -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / f"{stream}.json").read_text(encoding="utf-8"))


def walk_subschemas(schema: dict[str, Any], path: str = "$") -> Iterator[tuple[str, dict]]:
    """Yield every (path, subschema) so keyword checks never mistake a property name for one."""
    yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from walk_subschemas(sub, f"{path}.{name}")
    items = schema.get("items")
    if isinstance(items, dict):
        yield from walk_subschemas(items, f"{path}[]")
    elif isinstance(items, list):
        for index, sub in enumerate(items):
            yield from walk_subschemas(sub, f"{path}[{index}]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from walk_subschemas(schema["additionalProperties"], f"{path}.*")
    for keyword in ("anyOf", "oneOf"):
        for index, sub in enumerate(schema.get(keyword, [])):
            yield from walk_subschemas(sub, f"{path}/{keyword}[{index}]")


def walk_properties(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict]]:
    """Yield (path, property name, property schema) for every property at every depth."""
    for path, sub in walk_subschemas(schema):
        for name, prop in sub.get("properties", {}).items():
            yield path, name, prop


def declared_types(subschema: dict[str, Any]) -> list[str]:
    declared = subschema.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def transformed(stream: str, record: dict[str, Any]) -> dict[str, Any]:
    """What the connector emits: the record after the CDK's default schema normalization."""
    result = copy.deepcopy(record)
    TypeTransformer(TransformConfig.DefaultSchemaNormalization).transform(
        result, load_schema(stream)
    )
    return result


def schema_errors(stream: str, record: dict[str, Any]) -> list[str]:
    validator = Draft7Validator(load_schema(stream))
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(record)]


# --- factories ---------------------------------------------------------------------------


def make_ticket(**overrides: Any) -> dict[str, Any]:
    ticket = {
        "id": 82000044383,
        "subject": "Printer on fire",
        "description": "<div>It is on fire</div>",
        "description_text": "It is on fire",
        "status": 2,
        "priority": 1,
        "source": 1,
        "requester_id": 82000123456,
        "responder_id": None,
        "company_id": None,
        "group_id": 43000088326,
        "cc_emails": ["a@example.com"],
        "fwd_emails": [],
        "reply_cc_emails": [],
        "ticket_cc_emails": [],
        "tags": ["vip"],
        "attachments": [],
        "spam": False,
        "is_escalated": False,
        "fr_escalated": False,
        "association_type": None,
        "custom_fields": {
            "cf_issue_type_297457": "Hardware",
            "cf_units": 3,
            "cf_is_vip": True,
            "cf_renewal": "2024-02-29",
            "cf_region": None,
        },
        "requester": {
            "id": 82000123456,
            "name": "Ada",
            "email": "ada@example.com",
            "mobile": None,
            "phone": "+1 555",
        },
        "stats": {
            "agent_responded_at": None,
            "requester_responded_at": "2024-01-02T03:04:05Z",
            "first_responded_at": None,
            "status_updated_at": "2024-01-02T03:04:05Z",
            "reopened_at": None,
            "resolved_at": None,
            "closed_at": None,
            "pending_since": None,
        },
        "due_by": "2024-01-05T03:04:05Z",
        "fr_due_by": "2024-01-03T03:04:05Z",
        "created_at": "2024-01-02T03:04:05Z",
        "updated_at": "2024-01-02T03:04:05Z",
    }
    ticket.update(overrides)
    return ticket


def make_ticket_field(choices: Any) -> dict[str, Any]:
    return {
        "id": 43000507890,
        "name": "cf_city",
        "label": "City",
        "type": "nested_field",
        "default": False,
        "position": 12,
        "choices": choices,
        "created_at": "2018-08-16T09:08:53+05:30",
        "updated_at": "2018-08-16T09:08:53+05:30",
    }


def make_satisfaction_rating(ratings: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": 35000093982,
        "survey_id": 35000012345,
        "ticket_id": 82000044383,
        "user_id": 82000123456,
        "agent_id": None,
        "group_id": None,
        "feedback": "Thanks",
        "ratings": ratings,
        "created_at": "2024-01-02T03:04:05Z",
        "updated_at": "2024-03-02T03:04:05Z",
    }


def make_conversation(**overrides: Any) -> dict[str, Any]:
    conversation = {
        "id": 82000999001,
        "ticket_id": 82000044383,
        "body": "<div>Hi</div>",
        "body_text": "Hi",
        "incoming": False,
        "private": True,
        "user_id": 82000123456,
        "support_email": None,
        "source": 2,
        "category": 2,
        "from_email": None,
        "to_emails": ["ada@example.com"],
        "cc_emails": [],
        "bcc_emails": None,
        "attachments": [
            {
                "id": 82000777,
                "name": "log.txt",
                "content_type": "text/plain",
                "size": 12,
                "attachment_url": "https://s3.example.com/log.txt?sig=1",
                "created_at": "2024-01-02T03:04:05Z",
                "updated_at": "2024-01-02T03:04:05Z",
            }
        ],
        "last_edited_at": None,
        "last_edited_user_id": None,
        "automation_id": None,
        "automation_type_id": None,
        "auto_response": False,
        "email_failure_count": None,
        "source_additional_info": None,
        "created_at": "2024-01-02T03:04:05Z",
        "updated_at": "2024-01-02T03:04:05Z",
    }
    conversation.update(overrides)
    return conversation


# --- file set and shape ------------------------------------------------------------------


def test_exactly_the_expected_stream_schemas_are_shipped() -> None:
    shipped = {path.stem for path in SCHEMAS_DIR.glob("*.json")}
    assert shipped == EXPECTED_STREAMS
    assert not [p for p in SCHEMAS_DIR.iterdir() if p.is_dir()], "no shared/ $ref folder expected"


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_schema_is_valid_draft7(stream: str) -> None:
    schema = load_schema(stream)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_cdk_resource_loader_finds_the_schema_unchanged(stream: str) -> None:
    # discover loads schemas through this loader, keyed by the stream's top-level package.
    assert ResourceSchemaLoader("source_freshdesk").get_schema(stream) == load_schema(stream)


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_top_level_is_a_nullable_open_object(stream: str) -> None:
    schema = load_schema(stream)
    assert declared_types(schema) == ["null", "object"]
    assert schema["additionalProperties"] is True
    assert schema["properties"], "a schema without properties gives destinations no columns"


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_no_level_forbids_extra_fields(stream: str) -> None:
    closed = [
        path
        for path, sub in walk_subschemas(load_schema(stream))
        if sub.get("additionalProperties") is False
    ]
    assert closed == []


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_no_ref_allof_or_not_keywords(stream: str) -> None:
    found = [
        f"{path}:{keyword}"
        for path, sub in walk_subschemas(load_schema(stream))
        for keyword in FORBIDDEN_KEYWORDS
        if keyword in sub
    ]
    assert found == []


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_every_typed_field_is_nullable(stream: str) -> None:
    not_nullable = [
        path
        for path, sub in walk_subschemas(load_schema(stream))
        if "type" in sub and "null" not in declared_types(sub)
    ]
    assert not_nullable == []


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_ids_are_nullable_integers(stream: str) -> None:
    wrong = [
        f"{path}.{name}: {prop.get('type')}"
        for path, name, prop in walk_properties(load_schema(stream))
        if (name == "id" or name.endswith("_id"))
        and name not in EXTERNAL_STRING_IDS
        and f"{path}.{name}" not in STRING_IDS.get(stream, set())
        and not (name == "id" and path.endswith("questions[]"))  # survey question keys
        and declared_types(prop) != ["null", "integer"]
    ]
    assert wrong == []


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_id_lists_hold_integers(stream: str) -> None:
    wrong = [
        f"{path}.{name}"
        for path, name, prop in walk_properties(load_schema(stream))
        if name.endswith("_ids")
        and (
            declared_types(prop) != ["null", "array"]
            or declared_types(prop.get("items", {})) != ["null", "integer"]
        )
    ]
    assert wrong == []


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_no_number_type_anywhere(stream: str) -> None:
    # TypeTransformer turns values under "number" into floats, which rounds ids above 2**53.
    numbers = [
        path
        for path, sub in walk_subschemas(load_schema(stream))
        if "number" in declared_types(sub)
    ]
    assert numbers == []


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_timestamps_are_date_time_strings(stream: str) -> None:
    wrong = [
        f"{path}.{name}"
        for path, name, prop in walk_properties(load_schema(stream))
        if name.endswith("_at")
        and (declared_types(prop) != ["null", "string"] or prop.get("format") != "date-time")
    ]
    assert wrong == []


# --- cursor, primary key and stream-specific fields -----------------------------------------


@pytest.mark.parametrize("stream", STREAMS_WITH_TIMESTAMPS)
def test_streams_with_an_updated_at_cursor_declare_created_and_updated_at(stream: str) -> None:
    properties = load_schema(stream)["properties"]
    assert {"created_at", "updated_at"} <= properties.keys()


@pytest.mark.parametrize("stream", sorted(EXPECTED_STREAMS))
def test_primary_key_is_declared(stream: str) -> None:
    assert set(PRIMARY_KEYS[stream]) <= load_schema(stream)["properties"].keys()


def test_settings_primary_key_is_the_primary_language_string() -> None:
    assert declared_types(load_schema("settings")["properties"]["primary_language"]) == [
        "null",
        "string",
    ]


def test_business_hours_exposes_working_hours_not_business_hours() -> None:
    properties = load_schema("business_hours")["properties"]
    assert "business_hours" not in properties
    working_hours = properties["working_hours"]
    assert declared_types(working_hours) == ["null", "object"]
    assert {"monday", "sunday"} <= working_hours["properties"].keys()


def test_tickets_declare_the_include_and_filter_fields() -> None:
    properties = load_schema("tickets")["properties"]
    expected = {
        "description",
        "description_text",
        "requester",
        "stats",
        "deleted",
        "spam",
        "custom_fields",
        "tags",
        "cc_emails",
        "fwd_emails",
        "reply_cc_emails",
        "ticket_cc_emails",
        "attachments",
        "association_type",
    }
    assert expected <= properties.keys()
    assert properties["requester"]["properties"].keys() >= {
        "email",
        "id",
        "mobile",
        "name",
        "phone",
    }
    assert properties["stats"]["properties"].keys() >= {
        "agent_responded_at",
        "requester_responded_at",
        "first_responded_at",
        "status_updated_at",
        "reopened_at",
        "resolved_at",
        "closed_at",
        "pending_since",
    }


# Top-level fields a real account sends that the API reference does not document (and that
# Airbyte's schemas left out), with the type their values have there.
REAL_ACCOUNT_FIELDS = {
    "contacts": {"twitter_profile_status": "boolean", "twitter_followers_count": "integer"},
    "discussion_forums": {"comments_count": "integer"},
    "email_mailboxes": {"failure_code": "string"},
    "solution_articles": {
        "attachments": "array",
        "cloud_files": "array",
        "feedback_count": "integer",
        "suggested": "integer",
    },
    "solution_categories": {"icon": "object"},
    "solution_folders": {"icon_url": "string"},
    "ticket_fields": {"customers_can_filter": "boolean"},
}


@pytest.mark.parametrize(
    ("stream", "field", "kind"),
    [
        (stream, field, kind)
        for stream, fields in sorted(REAL_ACCOUNT_FIELDS.items())
        for field, kind in sorted(fields.items())
    ],
)
def test_fields_real_accounts_send_are_declared_nullable_with_their_type(
    stream: str, field: str, kind: str
) -> None:
    types = declared_types(load_schema(stream)["properties"][field])
    assert "null" in types and kind in types


def test_conversations_declare_the_fields_airbyte_missed() -> None:
    properties = load_schema("conversations")["properties"]
    issue_30821 = {
        "last_edited_at",
        "last_edited_user_id",
        "automation_id",
        "automation_type_id",
        "auto_response",
        "email_failure_count",
    }
    documented = {
        "body",
        "body_text",
        "incoming",
        "private",
        "user_id",
        "support_email",
        "source",
        "category",
        "ticket_id",
        "from_email",
        "to_emails",
        "cc_emails",
        "bcc_emails",
        "attachments",
    }
    assert issue_30821 | documented <= properties.keys()


@pytest.mark.parametrize(
    ("stream", "parent_fields"),
    [
        ("solution_folders", {"category_id", "parent_folder_id"}),
        ("solution_articles", {"folder_id", "category_id"}),
        ("canned_responses", {"folder_id"}),
        ("discussion_forums", {"forum_category_id"}),
        ("discussion_topics", {"forum_id"}),
        ("discussion_comments", {"topic_id", "forum_id"}),
        ("conversations", {"ticket_id"}),
    ],
)
def test_child_streams_carry_their_parent_ids(stream: str, parent_fields: set[str]) -> None:
    assert parent_fields <= load_schema(stream)["properties"].keys()


def test_solution_folders_declare_the_flexible_hierarchy_fields() -> None:
    properties = load_schema("solution_folders")["properties"]
    assert {"sub_folders_count", "articles_count", "hierarchy"} <= properties.keys()


@pytest.mark.parametrize("stream", ["tickets", "contacts", "companies"])
def test_custom_fields_is_an_untyped_open_object(stream: str) -> None:
    custom_fields = load_schema(stream)["properties"]["custom_fields"]
    assert declared_types(custom_fields) == ["null", "object"]
    assert custom_fields["additionalProperties"] is True
    assert "properties" not in custom_fields


# --- behaviour under the CDK TypeTransformer -------------------------------------------------


def test_ticket_custom_field_values_of_every_kind_survive_normalization() -> None:
    ticket = make_ticket()
    assert transformed("tickets", ticket) == ticket
    assert schema_errors("tickets", ticket) == []


def test_ticket_ids_beyond_float_precision_stay_exact_integers() -> None:
    ticket = make_ticket(id=BEYOND_FLOAT_PRECISION, requester_id=BEYOND_FLOAT_PRECISION + 2)
    result = transformed("tickets", ticket)
    assert result["id"] == BEYOND_FLOAT_PRECISION and type(result["id"]) is int
    assert result["requester_id"] == BEYOND_FLOAT_PRECISION + 2


def test_contact_org_contact_id_beyond_float_precision_stays_exact() -> None:
    contact = {
        "id": 82000123456,
        "name": "Ada",
        "org_contact_id": 1661072706350043137,
        "other_companies": [{"company_id": 25, "view_all_tickets": True}],
        "custom_fields": {"department": "Ops", "permanent": False},
        "created_at": "2015-08-28T10:27:58Z",
        "updated_at": "2015-08-28T10:27:58Z",
    }
    assert schema_errors("contacts", contact) == []
    assert transformed("contacts", contact) == contact
    assert type(transformed("contacts", contact)["org_contact_id"]) is int


def test_ticket_with_null_requester_and_stats_is_valid() -> None:
    ticket = make_ticket(requester=None, stats=None, custom_fields={})
    assert schema_errors("tickets", ticket) == []
    assert transformed("tickets", ticket) == ticket


def test_unknown_ticket_fields_pass_through_untouched() -> None:
    ticket = make_ticket(brand_new_field={"nested": [1, {"x": "y"}]})
    assert transformed("tickets", ticket)["brand_new_field"] == {"nested": [1, {"x": "y"}]}


@pytest.mark.parametrize(
    "choices",
    [
        ["1st", "2nd"],
        {"usa": [{"texas": ["citytexas1"]}]},
        {"2": ["Open", "Being Processed"], "3": ["Pending", "Awaiting your Reply"]},
        None,
    ],
    ids=["list", "nested-dependent-dict", "status-dict", "null"],
)
def test_ticket_field_choices_of_any_shape_validate_and_are_not_stringified(choices: Any) -> None:
    field = make_ticket_field(choices)
    assert schema_errors("ticket_fields", field) == []
    assert transformed("ticket_fields", field)["choices"] == choices


@pytest.mark.parametrize(
    "ratings",
    [{"default_question": 103, "question_2": -103}, {"default_question": 1}, {}],
    ids=["csat-scale", "classic-scale", "empty"],
)
def test_satisfaction_ratings_keep_their_question_keyed_dict(ratings: dict[str, int]) -> None:
    rating = make_satisfaction_rating(ratings)
    assert schema_errors("satisfaction_ratings", rating) == []
    assert transformed("satisfaction_ratings", rating)["ratings"] == ratings


@pytest.mark.parametrize(
    "extra",
    [{"source_additional_info": {"email_subject": "Re: hi"}}, {"source_additional_info": "tweet"}],
    ids=["object", "string"],
)
def test_conversation_source_additional_info_is_never_turned_into_a_repr(
    extra: dict[str, Any],
) -> None:
    conversation = make_conversation(**extra)
    assert schema_errors("conversations", conversation) == []
    assert transformed("conversations", conversation) == conversation


def test_business_hours_working_hours_object_survives_normalization() -> None:
    record = {
        "id": 43000012345,
        "name": "Default",
        "is_default": True,
        "time_zone": "Eastern Time (US & Canada)",
        "working_hours": {
            "monday": {"start_time": "8:00 am", "end_time": "5:00 pm"},
            "friday": {"start_time": "8:00 am", "end_time": "5:00 pm"},
        },
        "created_at": "2018-08-16T09:08:53+05:30",
        "updated_at": "2018-08-16T09:08:53+05:30",
    }
    assert schema_errors("business_hours", record) == []
    assert transformed("business_hours", record) == record
