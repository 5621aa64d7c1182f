import pytest
from airbyte_cdk.models import SyncMode

from source_freshdesk.pagination import TokenPaging
from unit_tests.freshdesk.conftest import BASE, page_response, record, records_of, run_read


def test_full_refresh_follows_link_headers_merging_params_the_link_omits(api) -> None:
    api.get(
        f"{BASE}email/mailboxes",
        [
            page_response([{"id": 1}, {"id": 2}], next_query="page=2"),  # no per_page in the link
            page_response([{"id": 3}]),
        ],
    )
    output = run_read(["email_mailboxes"], sync_mode=SyncMode.full_refresh)

    assert [r["id"] for r in records_of(output, "email_mailboxes")] == [1, 2, 3]
    second = api.request_history[1]
    assert second.qs == {"page": ["2"], "per_page": ["100"]}


def test_an_empty_page_ends_pagination_even_if_a_next_link_is_advertised(api) -> None:
    api.get(
        f"{BASE}email/mailboxes",
        [page_response([{"id": 1}], next_query="page=2"), page_response([], next_query="page=3")],
    )
    output = run_read(["email_mailboxes"], sync_mode=SyncMode.full_refresh)

    assert len(records_of(output, "email_mailboxes")) == 1
    assert api.call_count == 2


def test_a_next_link_back_to_a_page_already_read_ends_the_list_instead_of_looping(api) -> None:
    api.get(
        f"{BASE}email/mailboxes",
        [
            page_response([{"id": 1}], next_query="page=2"),
            page_response([{"id": 2}], next_query="page=1"),
        ],
    )
    output = run_read(["email_mailboxes"], sync_mode=SyncMode.full_refresh)

    assert [r["id"] for r in records_of(output, "email_mailboxes")] == [1, 2]
    assert api.call_count == 2
    assert output.is_in_logs("points back to a page already read")


def test_a_link_to_another_host_only_contributes_its_query(api) -> None:
    api.get(
        f"{BASE}email/mailboxes",
        [
            {
                "json": [{"id": 1}],
                "headers": {"link": '< https://evil.example.com/steal?page=2>;rel="next"'},
            },
            page_response([{"id": 2}]),
        ],
    )
    output = run_read(["email_mailboxes"], sync_mode=SyncMode.full_refresh)

    assert [r["id"] for r in records_of(output, "email_mailboxes")] == [1, 2]
    assert all(h.hostname == "acme.freshdesk.com" for h in api.request_history)


def test_full_refresh_stream_rereads_everything_when_fed_its_final_state(api) -> None:
    """The CDK's resumable full refresh would replay a 'complete' state as zero records."""
    api.get(f"{BASE}sla_policies", [page_response([{"id": 1}, {"id": 2}])])
    first = run_read(["sla_policies"], sync_mode=SyncMode.full_refresh)
    state = first.state_messages[-1].state.stream.stream_state.__dict__

    second = run_read(
        ["sla_policies"], state={"sla_policies": state}, sync_mode=SyncMode.full_refresh
    )

    assert len(records_of(second, "sla_policies")) == 2


def test_settings_is_a_single_object_without_paging_params(api) -> None:
    api.get(f"{BASE}settings/helpdesk", json={"primary_language": "en", "supported_languages": []})
    output = run_read(["settings"], sync_mode=SyncMode.full_refresh)

    assert records_of(output, "settings") == [{"primary_language": "en", "supported_languages": []}]
    assert api.request_history[0].qs == {}


def test_business_hours_nested_key_is_renamed_to_working_hours(api) -> None:
    hours = {"monday": {"start_time": "8:00 am", "end_time": "5:00 pm"}}
    api.get(
        f"{BASE}business_hours",
        [page_response([record(1, "2024-01-01T00:00:00Z", business_hours=hours)])],
    )
    output = run_read(["business_hours"])

    (row,) = records_of(output, "business_hours")
    assert row["working_hours"] == hours and "business_hours" not in row


CSAT = TokenPaging(records_key="data", link_path=("paging", "next"), size_param="per_page")
OBJECTS = TokenPaging(
    records_key="records", link_path=("_links", "next", "href"), size_param="page_size"
)


def test_token_paging_takes_only_the_token_from_an_absolute_link_on_another_host() -> None:
    body = {"data": [], "paging": {"next": "https://evil.example/steal?next_token=abc&per_page=5"}}
    assert CSAT.next_query(body) == {"next_token": "abc"}


def test_token_paging_reads_a_relative_link_nested_under_links() -> None:
    body = {
        "_links": {"next": {"href": "/schemas/30/records?page_size=2&prev_token=&next_token=x"}}
    }
    assert OBJECTS.next_query(body) == {"next_token": "x"}


@pytest.mark.parametrize(
    "body",
    [
        {"paging": {"next": None}},
        {"paging": {"next": ""}},
        {"paging": {"next": "https://h/x?next_token="}},
        {"paging": {}},
        {},
        [],
    ],
)
def test_token_paging_ends_without_a_next_token(body: object) -> None:
    assert CSAT.next_query(body) is None


def test_a_folder_listed_inside_its_own_subtree_is_read_once_instead_of_looping(api) -> None:
    updated = "2024-01-01T00:00:00Z"
    api.get(f"{BASE}solutions/categories", json=[record(1, updated)])
    api.get(f"{BASE}solutions/categories/1/folders", json=[record(10, updated, category_id=1)])
    api.get(f"{BASE}solutions/folders/10/subfolders", json=[record(11, updated)])
    api.get(f"{BASE}solutions/folders/11/subfolders", json=[record(10, updated)])

    output = run_read(["solution_folders"], sync_mode=SyncMode.full_refresh)

    assert sorted(r["id"] for r in records_of(output, "solution_folders")) == [10, 11]
