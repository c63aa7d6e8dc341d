"""Filters, sorts and date formats on every field type, through the real export path on both stores: each
either exports or is refused with InvalidExportConfig (a 400), never another exception (a 500)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from pypdf import PdfReader

from coherence_pipelines.errors import InvalidExportConfig
from coherence_pipelines.export import build_spec, module_of, render
from coherence_pipelines.export.query import export_frame
from coherence_pipelines.export.spec import FILTER_OPS
from coherence_pipelines.store import RecordStore
from tests.export.conftest import read_csv

GADGET_FIELDS = [
    {"slug": "displayName", "label": "Name", "type": "text", "required": True},
    {"slug": "notes", "type": "long_text"},
    {"slug": "email", "type": "email"},
    {"slug": "phone", "type": "phone"},
    {"slug": "site", "type": "url"},
    {"slug": "weight", "type": "number"},
    {"slug": "units", "type": "number", "integer": True},
    {"slug": "price", "type": "currency"},
    {"slug": "seats", "type": "currency", "integer": True},
    {"slug": "share", "type": "percent"},
    {"slug": "launch", "type": "date"},
    {"slug": "seen", "type": "datetime"},
    {"slug": "active", "type": "boolean"},
    {"slug": "kind", "type": "select", "options": ["Alpha", "Beta"]},
    {"slug": "tags", "type": "multi_select", "open": True},
    {"slug": "maker", "type": "reference", "target": "accounts"},
    {"slug": "address", "type": "address"},
    {"slug": "owner", "type": "user"},
]
GADGETS = {
    "rec_g1": {"displayName": "One", "notes": "first", "email": [{"value": "one@example.com", "type": "Work"}],
               "phone": [{"value": "+1 415 555 0100", "type": "Mobile", "e164": "+14155550100"}],
               "site": "https://one.example", "weight": 7.5, "units": 7, "price": 10.25, "seats": 3, "share": 50,
               "launch": "2024-01-15", "seen": "2024-01-15T10:05:07", "active": True, "kind": "Alpha",
               "tags": ["vip", "beta"], "maker": "rec_acme", "address": {"street": "1 Main St", "city": "Lyon"},
               "owner": "ana@example.com"},
    "rec_g2": {"displayName": "Two", "weight": 7, "units": 8, "price": 0, "seats": 0, "share": 12.5,
               "launch": "2023-12-31", "seen": "2024-01-15T23:30:00Z", "active": False, "kind": "Beta",
               "tags": [], "maker": "rec_gone", "address": {}, "email": []},
    "rec_g3": {"displayName": "Three", "units": -2, "seen": "2024-02-01T08:00:00+02:00", "launch": "2024-02-29"},
    "rec_g4": {},
}
SYSTEM = ["id", "createdDateTime", "updatedDateTime"]
FIELDS = [f["slug"] for f in GADGET_FIELDS] + SYSTEM
SCALARS = [7, " 7.5 ", 10**20, "abc", "", True, "no", "2024-01-15", "2024-01-15T10:05:07Z", "nan"]
LISTS = [[], [7, "8"], ["abc", True], ["yes", "no"], ["vip", "Lyon", "Acme"],
         ["2024-01-15", "2024-02-01T08:00:00+02:00"], [None]]
DATE_FORMATS = ["YYYY-MM-DD", "DD/MM/YYYY HH:mm", "MM/DD/YY hh:mm:ss A", "dddd D MMMM YYYY", "%Y-%m-%dT%H:%M:%S%z",
                "%d.%m.%Y %H:%M %Z", "%j %a %b", "%H:%M", "100%% %Y"]


def seed(store: RecordStore) -> str:
    with store.session() as session:
        account_id = session.ensure_account("acme")
        session.save_custom_modules(account_id, {"gadgets": {"label": "Gadgets", "fields": GADGET_FIELDS}})
        session.insert_records(account_id, pl.DataFrame({"record_id": ["rec_acme"], "module": ["accounts"],
                                                         "data": [json.dumps({"displayName": "Acme",
                                                                              "employeeCount": 7})]}),
                               None, datetime(2026, 1, 1, tzinfo=UTC))
        session.insert_records(account_id, pl.DataFrame({"record_id": list(GADGETS), "module": ["gadgets"] * 4,
                                                         "data": [json.dumps(d) for d in GADGETS.values()]}),
                               None, datetime(2026, 1, 2, tzinfo=UTC))
    return account_id


class Exporter:
    """Exports of the gadgets through the real path (select_rows' export_frame, then render), in one store
    session so that the sweep's thousands of exports stay quick."""

    def __init__(self, store: RecordStore, out: Path) -> None:
        self.account_id = seed(store)
        self.module = module_of(store, self.account_id, "gadgets")
        self.store, self.out = store, out

    def __enter__(self) -> Exporter:
        self._session = self.store.session()
        self.session = self._session.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.__exit__(*exc)

    def __call__(self, config: dict, fmt: str = "csv") -> list[str] | str:
        """The exported ids, or the refusal's message."""
        try:
            spec = build_spec(self.module, fmt, {"columns": ["id", *[c for c in FIELDS if c != "id"]], **config})
            frame = export_frame(self.session, self.account_id, self.module, spec)
            render(frame, self.module, spec, self.out / f"export.{fmt}")
        except InvalidExportConfig as exc:
            return str(exc)
        return frame["id"].to_list()


def test_every_operator_and_value_on_every_field_type(store: RecordStore, tmp_path: Path):
    crashes = []
    with Exporter(store, tmp_path) as export:
        for field in FIELDS:
            for op in FILTER_OPS:
                values = LISTS if op == "in" else [None] if op in ("is_empty", "not_empty") else SCALARS
                for value in values:
                    config = {"columns": list(dict.fromkeys(["id", field])),
                              "filters": [{"field": field, "op": op, "value": value}]}
                    try:
                        export(config)
                    except Exception as exc:  # noqa: BLE001 - the sweep reports every crash at once
                        crashes.append(f"{field} {op} {value!r}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    assert not crashes, "\n".join(crashes)


def test_sort_on_every_field_type(store: RecordStore, tmp_path: Path):
    with Exporter(store, tmp_path) as export:
        for field in FIELDS:
            for direction in ("asc", "desc"):
                for limit in (None, 2):
                    config = {"columns": list(dict.fromkeys(["id", field])), "sortField": field,
                              "sortDirection": direction, **({"limit": limit} if limit else {})}
                    found = export(config)
                    assert isinstance(found, list) and len(found) == (limit or 4), (field, direction, limit)
        # Numbers sort as numbers (-2 before 7 before 8), empty cells last either way.
        assert export({"columns": ["id"], "sortField": "units", "sortDirection": "asc"}) == [
            "rec_g3", "rec_g1", "rec_g2", "rec_g4"]
        assert export({"columns": ["id"], "sortField": "units", "sortDirection": "desc"}) == [
            "rec_g2", "rec_g1", "rec_g3", "rec_g4"]


def test_date_formats_on_dates_datetimes_and_system_columns(store: RecordStore, tmp_path: Path):
    with Exporter(store, tmp_path) as export:
        for date_format in DATE_FORMATS:
            for fmt in ("csv", "pdf"):
                assert isinstance(export({"dateFormat": date_format}, fmt), list), (date_format, fmt)


def ids(export: Exporter, *filters: dict) -> list[str] | str:
    found = export({"columns": ["id"], "filters": list(filters)})
    return sorted(found) if isinstance(found, list) else found


def wrong(export: Exporter, cases: list[tuple[dict, list[str] | str]]) -> list[str]:
    """The cases whose ids (or refusal, a fragment of its message) differ from the expected ones."""
    out = []
    for flt, expected in cases:
        found = ids(export, flt)
        if found != expected if isinstance(expected, list) else not (isinstance(found, str) and expected in found):
            out.append(f"{flt}: {found!r}, expected {expected!r}")
    return out


NUMBER_FILTERS = [
    # units: integer (Int64) g1 7, g2 8, g3 -2, g4 none
    ({"field": "units", "op": "eq", "value": 7}, ["rec_g1"]),
    ({"field": "units", "op": "eq", "value": "7"}, ["rec_g1"]),
    ({"field": "units", "op": "eq", "value": 7.0}, ["rec_g1"]),
    ({"field": "units", "op": "eq", "value": 7.5}, []),
    ({"field": "units", "op": "neq", "value": " 7 "}, ["rec_g2", "rec_g3", "rec_g4"]),
    ({"field": "units", "op": "in", "value": [7, "8"]}, ["rec_g1", "rec_g2"]),
    ({"field": "units", "op": "in", "value": []}, []),
    ({"field": "units", "op": "gt", "value": "7"}, ["rec_g2"]),
    ({"field": "units", "op": "gte", "value": 7}, ["rec_g1", "rec_g2"]),
    ({"field": "units", "op": "lt", "value": 0}, ["rec_g3"]),
    ({"field": "units", "op": "lte", "value": "-2"}, ["rec_g3"]),
    ({"field": "units", "op": "contains", "value": "7"}, ["rec_g1"]),
    # weight: number g1 7.5, g2 7; contains reads the number as the file shows it (7, not 7.0)
    ({"field": "weight", "op": "eq", "value": "7.5"}, ["rec_g1"]),
    ({"field": "weight", "op": "eq", "value": 7}, ["rec_g2"]),
    ({"field": "weight", "op": "gt", "value": "7"}, ["rec_g1"]),
    ({"field": "weight", "op": "contains", "value": "7"}, ["rec_g1", "rec_g2"]),
    ({"field": "weight", "op": "contains", "value": ".0"}, []),
    ({"field": "seats", "op": "eq", "value": 0}, ["rec_g2"]),
    ({"field": "seats", "op": "in", "value": ["3", 0.0]}, ["rec_g1", "rec_g2"]),
    ({"field": "price", "op": "gte", "value": "10.25"}, ["rec_g1"]),
    ({"field": "share", "op": "lt", "value": "1e2"}, ["rec_g1", "rec_g2"]),
]


def test_number_filters_on_integer_and_decimal_fields(store: RecordStore, tmp_path: Path):
    with Exporter(store, tmp_path) as export:
        assert wrong(export, NUMBER_FILTERS) == []


def test_a_number_field_refuses_what_is_not_a_number(store: RecordStore, tmp_path: Path):
    refused = [{"field": field, "op": op, "value": value} for field in ("units", "weight", "price", "share")
               for op, value in [("eq", "abc"), ("neq", ""), ("gt", True), ("lte", "nan"), ("eq", "inf"),
                                 ("in", [7, "seven"]), ("gte", "7 apples"), ("lt", "1e999")]]
    with Exporter(store, tmp_path) as export:
        assert wrong(export, [(f, f"filters[0] on {f['field']!r}: ") for f in refused]) == []
        assert wrong(export, [(f, "is not a number") for f in refused]) == []


OTHER_FILTERS = [
    ({"field": "active", "op": "eq", "value": "yes"}, ["rec_g1"]),
    ({"field": "active", "op": "neq", "value": True}, ["rec_g2", "rec_g3", "rec_g4"]),
    ({"field": "active", "op": "in", "value": ["no", 1]}, ["rec_g1", "rec_g2"]),
    ({"field": "active", "op": "eq", "value": "maybe"}, "is not a yes/no value"),
    ({"field": "active", "op": "contains", "value": "yes"}, "'contains' does not apply to a yes/no field"),
    ({"field": "tags", "op": "in", "value": ["VIP", "x"]}, ["rec_g1"]),
    ({"field": "tags", "op": "neq", "value": "vip"}, ["rec_g2", "rec_g3", "rec_g4"]),
    ({"field": "maker", "op": "eq", "value": "acme"}, ["rec_g1"]),
    ({"field": "maker", "op": "eq", "value": "rec_gone"}, ["rec_g2"]),
    ({"field": "address", "op": "contains", "value": "main st, lyon"}, ["rec_g1"]),
    ({"field": "address", "op": "is_empty"}, ["rec_g2", "rec_g3", "rec_g4"]),
    ({"field": "email", "op": "in", "value": []}, []),
    ({"field": "kind", "op": "in", "value": [None]}, "'in' takes a list of values"),
    ({"field": "kind", "op": "eq", "value": {"a": 1}}, "takes one value"),
]


def test_yes_no_list_reference_and_address_filters(store: RecordStore, tmp_path: Path):
    with Exporter(store, tmp_path) as export:
        assert wrong(export, OTHER_FILTERS) == []


DATE_FILTERS = [
    # launch (date): g1 2024-01-15, g2 2023-12-31, g3 2024-02-29
    ({"field": "launch", "op": "gt", "value": "2024-01-15"}, ["rec_g3"]),
    ({"field": "launch", "op": "gte", "value": "2024-01-15"}, ["rec_g1", "rec_g3"]),
    ({"field": "launch", "op": "lte", "value": "2024-01"}, ["rec_g1", "rec_g2"]),
    ({"field": "launch", "op": "eq", "value": "2024"}, ["rec_g1", "rec_g3"]),
    ({"field": "launch", "op": "in", "value": ["2023-12-31", "2024-02-29"]}, ["rec_g2", "rec_g3"]),
    ({"field": "launch", "op": "neq", "value": "2024-01-15"}, ["rec_g2", "rec_g3", "rec_g4"]),
    # seen (datetime): g1 2024-01-15T10:05:07, g2 2024-01-15T23:30:00Z, g3 2024-02-01T08:00:00+02:00
    ({"field": "seen", "op": "eq", "value": "2024-01-15"}, ["rec_g1", "rec_g2"]),
    ({"field": "seen", "op": "lte", "value": "2024-01-15"}, ["rec_g1", "rec_g2"]),
    ({"field": "seen", "op": "gt", "value": "2024-01-15"}, ["rec_g3"]),
    ({"field": "seen", "op": "gte", "value": "2024-01-15T12:00"}, ["rec_g2", "rec_g3"]),
    ({"field": "seen", "op": "eq", "value": "2024-01-15T23:30:00Z"}, ["rec_g2"]),
    ({"field": "seen", "op": "in", "value": []}, []),
    ({"field": "seen", "op": "contains", "value": "+02:00"}, ["rec_g3"]),
    # every gadget was created 2026-01-02 at midnight UTC
    ({"field": "createdDateTime", "op": "lte", "value": "2026-01-02"}, ["rec_g1", "rec_g2", "rec_g3", "rec_g4"]),
    ({"field": "createdDateTime", "op": "gt", "value": "2026-01-02"}, []),
    ({"field": "createdDateTime", "op": "in", "value": ["2026-01-02"]}, ["rec_g1", "rec_g2", "rec_g3", "rec_g4"]),
    ({"field": "createdDateTime", "op": "in", "value": []}, []),
    ({"field": "updatedDateTime", "op": "eq", "value": "2026-01-02T00:00:00Z"},
     ["rec_g1", "rec_g2", "rec_g3", "rec_g4"]),
]


def test_date_filters_name_whole_days(store: RecordStore, tmp_path: Path):
    with Exporter(store, tmp_path) as export:
        assert wrong(export, DATE_FILTERS) == []


DATE_CELLS = [
    # (dateFormat, launch of g1, seen of g1, g2, g3, createdDateTime)
    ("DD/MM/YYYY HH:mm", "15/01/2024 00:00", "15/01/2024 10:05", "15/01/2024 23:30", "01/02/2024 08:00",
     "02/01/2026 00:00"),
    ("MM/DD/YY hh:mm:ss A", "01/15/24 12:00:00 AM", "01/15/24 10:05:07 AM", "01/15/24 11:30:00 PM",
     "02/01/24 08:00:00 AM", "01/02/26 12:00:00 AM"),
    ("%Y-%m-%dT%H:%M:%S%z", "2024-01-15T00:00:00", "2024-01-15T10:05:07", "2024-01-15T23:30:00+0000",
     "2024-02-01T08:00:00+0200", "2026-01-02T00:00:00+0000"),
    ("%d.%m.%Y %Z", "15.01.2024 ", "15.01.2024 ", "15.01.2024 UTC", "01.02.2024 +02:00", "02.01.2026 UTC"),
    ("100%% %Y %%z", "100% 2024 %z", "100% 2024 %z", "100% 2024 %z", "100% 2024 %z", "100% 2026 %z"),
    ("YYYY-MM-DD", "2024-01-15", "2024-01-15", "2024-01-15", "2024-02-01", "2026-01-02"),
]


def test_time_tokens_read_midnight_on_a_date_and_keep_a_date_times_time(store: RecordStore, tmp_path: Path):
    with Exporter(store, tmp_path) as export:
        for date_format, launch, seen1, seen2, seen3, created in DATE_CELLS:
            export({"columns": ["id", "launch", "seen", "createdDateTime"], "sortField": "id",
                    "dateFormat": date_format})
            rows = read_csv((tmp_path / "export.csv").read_bytes())[1:]
            assert rows[0] == ["rec_g1", launch, seen1, created], date_format
            assert [r[2] for r in rows[1:]] == [seen2, seen3, ""], date_format
            assert rows[3][1] == "", date_format  # no date, no cell: not a lone zone or literal


def test_a_date_with_time_tokens_in_a_pdf(store: RecordStore, tmp_path: Path):
    with Exporter(store, tmp_path) as export:
        assert export({"columns": ["id", "launch", "seen"], "sortField": "id",
                       "dateFormat": "DD/MM/YYYY HH:mm"}, "pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(tmp_path / "export.pdf").pages)
    assert "15/01/2024 00:00" in text and "15/01/2024 10:05" in text and "01/02/2024 08:00" in text


def test_a_stored_date_time_that_does_not_parse_is_shown_as_it_is_and_guarded(store: RecordStore, tmp_path: Path):
    exporter = Exporter(store, tmp_path)
    with store.session() as session:
        session.insert_records(exporter.account_id, pl.DataFrame(
            {"record_id": ["rec_odd"], "module": ["gadgets"],
             "data": [json.dumps({"launch": "=1+1", "seen": "2024-13-45T99:00:00"})]}),
            None, datetime(2026, 1, 3, tzinfo=UTC))
    with exporter as export:
        export({"columns": ["id", "launch", "seen"], "filters": [{"field": "id", "op": "eq", "value": "rec_odd"}],
                "dateFormat": "DD/MM/YYYY HH:mm"})
    assert read_csv((tmp_path / "export.csv").read_bytes())[1] == ["rec_odd", "'=1+1", "2024-13-45T99:00:00"]


def test_a_date_format_that_strftime_cannot_run_is_a_400(store: RecordStore, tmp_path: Path):
    with Exporter(store, tmp_path) as export:
        for date_format in ["%Y%", "%Y %Q", "%%", "100%%", "%-d/%m"]:
            message = export({"dateFormat": date_format})
            assert isinstance(message, str) and "dateFormat" in message, date_format


def test_http_an_integer_filter_exports_and_a_word_for_a_number_is_a_400(api):
    api.execute([{"Name": "Acme", "Staff": "7"}, {"Name": "Globex", "Staff": "12"}, {"Name": "Initech", "Staff": ""}],
                [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Staff", "targetFieldSlug": "employeeCount"}], module="accounts")
    body = {"format": "csv", "config": {"columns": ["displayName", "employeeCount"], "sortField": "displayName"}}

    def export(*filters: dict):
        return api.post("/modules/accounts/export", {**body, "config": {**body["config"], "filters": list(filters)}})

    r = export({"field": "employeeCount", "op": "eq", "value": 7})
    assert r.status_code == 200, r.text
    assert read_csv(r.content) == [["Name", "Employees"], ["Acme", "7"]]
    r = export({"field": "employeeCount", "op": "in", "value": ["12", 7]})
    assert [row[0] for row in read_csv(r.content)[1:]] == ["Acme", "Globex"]
    r = export({"field": "employeeCount", "op": "neq", "value": "7"})
    assert [row[0] for row in read_csv(r.content)[1:]] == ["Globex", "Initech"]
    r = export({"field": "employeeCount", "op": "eq", "value": "seven"})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "INVALID_EXPORT_CONFIG"
    assert error["message"] == "filters[0] on 'employeeCount': 'seven' is not a number"
