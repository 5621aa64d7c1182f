"""The typed custom_fields schema built from field definitions."""

from __future__ import annotations

from source_freshdesk.streams.custom_fields import custom_field_properties, with_typed_custom_fields

SHIPPED = {
    "type": ["null", "object"],
    "properties": {
        "id": {"type": ["null", "integer"]},
        "custom_fields": {"type": ["null", "object"]},
    },
}


def test_every_documented_custom_type_gets_its_json_type() -> None:
    definitions = [
        {"name": "cf_text", "type": "custom_text"},
        {"name": "cf_para", "type": "custom_paragraph"},
        {"name": "cf_num", "type": "custom_number"},
        {"name": "cf_dec", "type": "custom_decimal"},
        {"name": "cf_box", "type": "custom_checkbox"},
        {"name": "cf_day", "type": "custom_date"},
        {"name": "cf_pick", "type": "custom_dropdown"},
        {"name": "cf_url", "type": "custom_url"},
        {"name": "cf_tel", "type": "custom_phone_number"},
        {"name": "cf_many", "type": "custom_multi_select_dropdown"},
    ]
    types = {name: p["type"] for name, p in custom_field_properties(definitions).items()}
    assert types == {
        "cf_text": ["null", "string"],
        "cf_para": ["null", "string"],
        "cf_num": ["null", "integer"],
        "cf_dec": ["null", "number"],
        "cf_box": ["null", "boolean"],
        "cf_day": ["null", "string"],
        "cf_pick": ["null", "string"],
        "cf_url": ["null", "string"],
        "cf_tel": ["null", "string"],
        "cf_many": ["null", "array"],
    }


def test_nested_levels_from_either_api_become_string_keys_and_defaults_are_left_out() -> None:
    definitions = [
        {
            "name": "cf_country",
            "type": "nested_field",
            "nested_ticket_fields": [{"name": "cf_state"}],
        },
        {
            "name": "cf_region",
            "type": "nested_field",
            "dependent_fields": [{"name": "cf_district"}],
        },
        {"name": "status", "type": "default_status", "default": True},
        {"name": "cf_new_kind", "type": "custom_something_new"},
    ]
    assert sorted(custom_field_properties(definitions)) == [
        "cf_country",
        "cf_district",
        "cf_region",
        "cf_state",
    ]


def test_the_typed_schema_stays_open_and_leaves_the_shipped_one_untouched() -> None:
    typed = with_typed_custom_fields(SHIPPED, [{"name": "cf_num", "type": "custom_number"}])
    assert typed["properties"]["custom_fields"]["additionalProperties"] is True
    assert "properties" not in SHIPPED["properties"]["custom_fields"]
    assert with_typed_custom_fields(SHIPPED, []) == SHIPPED
