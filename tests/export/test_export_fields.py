"""The records an export reads (`read_fields`), on both stores: only the fields asked for, typed in the
store's SQL, optionally only some records; and the rows an export selects, read in one pass or in two (the
deciding fields first, the other columns for the kept rows only), are the same rows."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import polars as pl
import pytest

from coherence_pipelines.execution.record_frame import record_schema
from coherence_pipelines.export import build_spec, module_of, render, select_rows
from coherence_pipelines.store import RecordStore
from tests.export.conftest import read_csv

DOCS = {
    "rec_a": {
        "displayName": "Ana",
        "email": [{"value": "ana@example.com", "type": "Work"}, {"value": "ana@home.example", "type": "Personal"}],
        "phone": [{"value": "+1 415 555 0100", "type": "Mobile", "e164": "+14155550100"}],
        "address": {"street": "1 Main St", "city": "Springfield"},
        "tags": ["vip", "beta"],
        "emailOptOut": False,
        "birthday": "1990-04-05",
        "account": "rec_acme",
    },
    "rec_b": {"displayName": "=cmd", "email": [], "emailOptOut": True, "tags": []},
    "rec_c": {},
}
FIELDS = ["displayName", "email", "phone", "address", "tags", "emailOptOut", "birthday", "account"]


def insert_acme(session, account_id: str) -> None:
    """The account record the contacts' `account` references point at."""
    session.insert_records(
        account_id,
        pl.DataFrame({"record_id": ["rec_acme"], "module": ["accounts"], "data": [json.dumps({"displayName": "Acme"})]}),
        None,
        datetime(2026, 1, 1, tzinfo=UTC),
    )


def seed(store: RecordStore) -> str:
    with store.session() as session:
        account_id = session.ensure_account("acme")
        insert_acme(session, account_id)
        session.insert_records(
            account_id,
            pl.DataFrame(
                {"record_id": list(DOCS), "module": ["contacts"] * 3, "data": [json.dumps(d) for d in DOCS.values()]}
            ),
            None,
            datetime(2026, 1, 2, tzinfo=UTC),
        )
    return account_id


def test_only_the_fields_asked_for_typed_as_the_store_keeps_them(store: RecordStore):
    account_id = seed(store)
    module = module_of(store, account_id, "contacts")
    schema = record_schema(module, FIELDS)
    with store.session() as session:
        frame = session.read_fields(account_id, "contacts", schema).sort("id")
    assert frame.columns == ["id", "createdDateTime", "updatedDateTime", *FIELDS]
    assert frame.schema == pl.Schema(
        {"id": pl.String, "createdDateTime": pl.Datetime("us"), "updatedDateTime": pl.Datetime("us"), **schema}
    )
    assert frame["id"].to_list() == ["rec_a", "rec_b", "rec_c"]
    assert frame["createdDateTime"].to_list() == [datetime(2026, 1, 2)] * 3
    ana, b, c = frame.to_dicts()
    assert ana["email"] == [
        {"value": "ana@example.com", "type": "Work"},
        {"value": "ana@home.example", "type": "Personal"},
    ]
    assert ana["phone"] == [{"value": "+1 415 555 0100", "type": "Mobile", "e164": "+14155550100"}]
    assert ana["address"]["street"] == "1 Main St" and ana["address"]["zip"] is None
    assert (ana["tags"], ana["emailOptOut"], ana["birthday"], ana["account"]) == (
        ["vip", "beta"],
        False,
        "1990-04-05",
        "rec_acme",
    )
    assert (b["displayName"], b["email"], b["tags"], b["emailOptOut"]) == ("=cmd", [], [], True)
    assert all(c[f] is None for f in ["displayName", "email", "phone", "tags", "emailOptOut", "account"])


def test_some_records_and_no_fields(store: RecordStore):
    account_id = seed(store)
    module = module_of(store, account_id, "contacts")
    with store.session() as session:
        some = session.read_fields(
            account_id,
            "contacts",
            record_schema(module, ["displayName"]),
            pl.Series(["rec_c", "rec_a", "rec_acme", "rec_gone"]),
        )
        bare = session.read_fields(account_id, "contacts", {})
        other = session.read_fields(session.ensure_account("other"), "contacts", record_schema(module, ["email"]))
    # Only the module's records of the account, whatever ids are asked for.
    assert sorted(some.rows()) == [
        ("rec_a", datetime(2026, 1, 2), datetime(2026, 1, 2), "Ana"),
        ("rec_c", datetime(2026, 1, 2), datetime(2026, 1, 2), None),
    ]
    assert bare.columns == ["id", "createdDateTime", "updatedDateTime"] and bare.height == 3
    assert other.is_empty() and other.schema["email"] == record_schema(module, ["email"])["email"]


def contacts(n: int) -> list[dict]:
    people = []
    for i in range(n):
        doc: dict = {"displayName": ["Zoë", "ana", "Ana", "=x", "bob"][i % 5] + f" {i % 7}"}
        if i % 3:
            doc["email"] = [{"value": f"p{i}@example.com", "type": "Work"}]
        if i % 4:
            doc["address"] = {"city": ["Köln", "Lyon", "+Evil"][i % 3]}
        if i % 2:
            doc["account"] = "rec_acme" if i % 5 else "rec_deleted"
        doc["leadStatus"] = "Qualified" if i % 2 else "New"
        people.append(doc)
    return people


@pytest.mark.parametrize(
    "config",
    [
        {"sortField": "displayName", "sortDirection": "asc"},
        {"sortField": "email", "sortDirection": "desc"},
        {"sortField": "account", "sortDirection": "asc"},
        {
            "sortField": "address",
            "sortDirection": "desc",
            "filters": [{"field": "leadStatus", "op": "eq", "value": "Qualified"}],
        },
        {"filters": [{"field": "account", "op": "contains", "value": "acme"}]},
    ],
)
def test_a_limit_or_filters_keep_the_rows_a_full_read_would(store: RecordStore, tmp_path, config):
    """With a limit or filters the other columns are read for the kept rows only: the file is the first rows
    of the same export without them."""
    with store.session() as session:
        account_id = session.ensure_account("acme")
        insert_acme(session, account_id)
        docs = contacts(60)
        session.insert_records(
            account_id,
            pl.DataFrame(
                {
                    "record_id": [f"rec_p{i:03d}" for i in range(60)],
                    "module": ["contacts"] * 60,
                    "data": [json.dumps(d) for d in docs],
                }
            ),
            None,
            datetime(2026, 1, 2, tzinfo=UTC),
        )
    module = module_of(store, account_id, "contacts")
    columns = ["displayName", "email", "address", "account", "createdDateTime"]

    def rows(cfg: dict) -> list[list[str]]:
        spec = build_spec(module, "csv", {"columns": columns, **cfg})
        out = render(select_rows(store, account_id, module, spec), module, spec, tmp_path / "export.csv")
        return read_csv(out.path.read_bytes())

    everything = rows({k: v for k, v in config.items() if k != "filters"})
    assert len(everything) == 61
    limited = rows({**config, "limit": 9})
    wanted = [r for r in everything[1:] if not config.get("filters") or _kept(r, config["filters"][0])]
    assert limited == [everything[0], *wanted[:9]]
    assert {r[8] for r in everything[1:]} >= {"Acme", "rec_deleted", ""}  # names, or the id of a deleted target


def _kept(row: list[str], flt: dict) -> bool:
    if flt["field"] == "account":
        return "acme" in row[8].lower()
    # leadStatus is not a column: the Qualified contacts are the odd ones, which have an account.
    return row[8] != ""


def test_csv_bytes_of_a_small_export(store: RecordStore, tmp_path):
    """The exact file: BOM, CRLF, quoting, lists joined with "; ", address parts, Yes/No, the formula guard."""
    account_id = seed(store)
    module = module_of(store, account_id, "contacts")
    spec = build_spec(
        module,
        "csv",
        {"columns": ["displayName", "email", "address", "emailOptOut", "account"], "sortField": "displayName"},
    )
    out = render(select_rows(store, account_id, module, spec), module, spec, tmp_path / "export.csv")
    lines = io.BytesIO(out.path.read_bytes()).read().split(b"\r\n")
    assert lines[0].startswith("\ufeff".encode() + b"Name,Email,Address Street,")
    assert lines[1] == b"'=cmd,,,,,,,,Yes,"
    assert lines[2] == b"Ana,ana@example.com; ana@home.example,1 Main St,,Springfield,,,,No,Acme"
    assert lines[3] == b",,,,,,,,," and lines[4] == b""
