"""The record store, on a real DuckDB file and on a real PostgreSQL schema (the `store` fixture runs each test
on both): transactions, keys, duplicate matching, references, merge-patch updates, rollback with lineage,
and account isolation."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import polars as pl
import pytest

from coherence_pipelines.execution.chunk import LINEAGE_SCHEMA
from coherence_pipelines.execution.jobs import new_job
from coherence_pipelines.store import MatchField, RecordStore, open_store
from coherence_pipelines.store.api_keys import hash_key, key_id_of, matches, new_key, parse_scopes

T0 = datetime(2024, 1, 15, 10, 30)
EMAIL = MatchField("email", "email")
PHONE = MatchField("phone", "phone")
NAME = MatchField("displayName", "text")


def email(*values: str, kind: str = "Work") -> list[dict]:
    return [{"value": v, "type": kind} for v in values]


def phone(*values: str, kind: str = "Work") -> list[dict]:
    return [{"value": v, "type": kind, "e164": None} for v in values]


def records(module: str, docs: dict[str, dict]) -> pl.DataFrame:
    return pl.DataFrame({"record_id": list(docs), "module": [module] * len(docs),
                         "data": [json.dumps(d) for d in docs.values()]})


def incoming(*docs: dict) -> pl.DataFrame:
    return pl.DataFrame({"id": list(range(1, len(docs) + 1)), "data": [json.dumps(d) for d in docs]})


def data_of(session, account_id: str, record_id: str) -> dict | None:
    frame = session.fetch_records(account_id, [record_id])
    return json.loads(frame.get_column("data")[0]) if frame.height else None


def matched(frame: pl.DataFrame) -> dict[int, str]:
    return dict(frame.select("_row", "record_id").iter_rows())


def job(account_id: str, job_id: str = "job_1") -> dict:
    return new_job(job_id, account_id, "contacts", processing_mode="sync", total_rows=1, duplicate_strategy="skip",
                   ai_mapping_used=False, file_name="x.csv", file_type="csv", upload_id=None, options={})


@pytest.fixture
def acme(store: RecordStore) -> str:
    with store.session() as session:
        return session.ensure_account("acme")


# transactions ------------------------------------------------------------------------------------------


def test_session_commits_on_normal_exit(store: RecordStore, acme: str, settings) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"r1": {"displayName": "Jane"}}), "job_1", T0)
        session.insert_job(job(acme))
    # Another store object on the same file or database: the data is really stored.
    with open_store(settings).session() as session:
        assert data_of(session, acme, "r1") == {"displayName": "Jane"}
        assert session.get_job(acme, "job_1")["status"] == "pending"
        assert session.count_records(acme, "contacts") == 1


def test_session_rolls_back_everything_on_exception(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"r0": {"displayName": "Kept"}}), None, T0)
    with pytest.raises(RuntimeError, match="boom"), store.session() as session:
        session.insert_records(acme, records("contacts", {"r1": {"displayName": "Jane"}}), "job_1", T0)
        session.insert_job(job(acme))
        session.update_records(acme, pl.DataFrame({"record_id": ["r0"], "data": ['{"displayName": "Changed"}']}), T0)
        session.ensure_account("globex")
        assert session.count_records(acme, "contacts") == 2  # visible inside the transaction
        raise RuntimeError("boom")
    with store.session() as session:
        assert session.count_records(acme, "contacts") == 1
        assert data_of(session, acme, "r1") is None
        assert session.get_job(acme, "job_1") is None
        assert session.account_id_by_name("globex") is None
        row = session.fetch_records(acme, ["r0"]).row(0, named=True)
        assert json.loads(row["data"]) == {"displayName": "Kept"} and row["version"] == 1


def test_store_is_usable_after_a_rolled_back_session(store: RecordStore, acme: str) -> None:
    with pytest.raises(ValueError), store.session():
        raise ValueError
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"r1": {"displayName": "Jane"}}), None, T0)
    with store.session() as session:
        assert session.count_records(acme, "contacts") == 1


# accounts and keys -------------------------------------------------------------------------------------


def test_ensure_account_is_idempotent(store: RecordStore) -> None:
    with store.session() as session:
        first = session.ensure_account("acme")
        assert session.ensure_account("acme") == first
        assert session.account_id_by_name("acme") == first
        assert session.ensure_account("globex") != first
        assert session.account_id_by_name("nobody") is None


def test_api_key_round_trip(store: RecordStore, acme: str) -> None:
    key_id, key, key_hash = new_key()
    assert key.startswith("coh_") and key_id_of(key) == key_id
    assert key_hash == hash_key(key) and key not in key_hash
    with store.session() as session:
        session.add_api_key(acme, key_id, key_hash, ("import", "export"))
    with store.session() as session:
        account_id, account_name, stored_hash, scopes = session.api_key(key_id)
        assert session.api_key("000000000000") is None
    assert (account_id, account_name, scopes) == (acme, "acme", frozenset({"import", "export"}))
    assert matches(key, stored_hash)
    other_id, other_key, _ = new_key()
    assert other_id != key_id
    assert not matches(other_key, stored_hash)
    assert not matches(key + "x", stored_hash)
    assert not matches(key[:-1] + ("A" if key[-1] != "A" else "B"), stored_hash)


@pytest.mark.parametrize("text", ["", "import,bogus", "root", " , "])
def test_parse_scopes_refuses_unknown_or_empty(text: str) -> None:
    with pytest.raises(ValueError, match="scopes"):
        parse_scopes(text)


def test_key_id_of_rejects_foreign_keys() -> None:
    assert key_id_of("sk_live_abc") is None
    assert key_id_of("coh_") is None
    assert key_id_of("coh_abc") is None
    assert key_id_of("coh_abc_secret") == "abc"


def test_custom_modules_round_trip(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        assert session.custom_modules(acme) == {}
        session.save_custom_modules(acme, {"projects": {"fields": [{"slug": "displayName"}]}})
    with store.session() as session:
        assert session.custom_modules(acme) == {"projects": {"fields": [{"slug": "displayName"}]}}


# duplicate matching ------------------------------------------------------------------------------------


def test_find_matches_email_case_insensitive(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {
            "r1": {"displayName": "Jane", "email": email("Jane.Doe@Example.COM")},
            "r2": {"displayName": "Bob", "email": email("bob@example.com", "bob@home.org")},
        }), None, T0)
        found = session.find_matches(acme, "contacts", incoming(
            {"email": email("jane.doe@example.com")},
            {"email": email(" BOB@HOME.ORG ", kind="Personal")},  # any of a record's emails, any value type
            {"email": email("nobody@example.com")},
            {"displayName": "Jane"},  # no email at all: no match on email
        ), [EMAIL])
    assert matched(found) == {1: "r1", 2: "r2"}


def test_find_matches_phone_by_digits(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"r1": {"displayName": "Jane", "phone": phone("555-0100")}}),
                               None, T0)
        found = session.find_matches(acme, "contacts", incoming(
            {"phone": phone("(555) 0100", kind="Mobile")},
            {"phone": phone("555-0101")},
        ), [PHONE])
    assert matched(found) == {1: "r1"}


def test_find_matches_display_name_trimmed_and_lower(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("accounts", {"a1": {"displayName": "  Acme Corp "}}), None, T0)
        found = session.find_matches(acme, "accounts", incoming(
            {"displayName": "acme corp"}, {"displayName": "ACME CORP  "}, {"displayName": "Acme Corporation"},
        ), [NAME])
    assert matched(found) == {1: "a1", 2: "a1"}


def test_find_matches_only_within_the_module(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("accounts", {"a1": {"displayName": "Acme"}}), None, T0)
        found = session.find_matches(acme, "contacts", incoming({"displayName": "Acme"}), [NAME])
    assert found.height == 0


def test_find_matches_composite_needs_every_field(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {
            "r1": {"displayName": "Jane Doe", "email": email("jane@x.com")},
        }), None, T0)
        found = session.find_matches(acme, "contacts", incoming(
            {"displayName": "jane doe", "email": email("JANE@x.com")},  # both match
            {"displayName": "Jane Roe", "email": email("jane@x.com")},  # email only
            {"displayName": "Jane Doe", "email": email("other@x.com")},  # name only
            {"displayName": "Jane Doe"},  # name only, no email at all
        ), [EMAIL, NAME])
    assert matched(found) == {1: "r1"}


def test_find_matches_composite_fields_must_match_the_same_record(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {
            "r1": {"displayName": "Jane Doe", "email": email("other@x.com")},
            "r2": {"displayName": "Someone", "email": email("jane@x.com")},
        }), None, T0)
        found = session.find_matches(acme, "contacts", incoming({"displayName": "Jane Doe",
                                                                 "email": email("jane@x.com")}), [EMAIL, NAME])
    assert found.height == 0


def test_row_matching_two_records_takes_the_oldest(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        # The older record has the larger id, so a tie-break on id alone would pick the other one.
        session.insert_records(acme, records("contacts", {"r9": {"displayName": "Old", "email": email("a@x.com")}}),
                               None, T0)
        session.insert_records(acme, records("contacts", {"r1": {"displayName": "New", "email": email("A@x.com")}}),
                               None, T0 + timedelta(hours=1))
        found = session.find_matches(acme, "contacts", incoming({"email": email("a@x.com")}), [EMAIL])
    assert found.row(0, named=True) == {"_row": 1, "record_id": "r9", "candidates": 2}


# references --------------------------------------------------------------------------------------------


def test_lookup_references_by_name_domain_and_email(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("accounts", {
            "a1": {"displayName": "Acme Corp", "domain": "acme.com"},
            "a2": {"displayName": "Globex"},
            "a3": {"displayName": "globex "},
        }), None, T0)
        session.insert_records(acme, records("contacts", {
            "c1": {"displayName": "Jane Doe", "email": email("Jane@Example.com", "jd@home.org")},
        }), None, T0)
        accounts = session.lookup_references(acme, "accounts", ["acme corp", "acme.com", "globex", "initech"])
        contacts = session.lookup_references(acme, "contacts", ["jane doe", "jane@example.com", "jd@home.org",
                                                                "acme corp"])
        assert session.lookup_references(acme, "accounts", []) == {}
    assert accounts == {"acme corp": ["a1"], "acme.com": ["a1"], "globex": ["a2", "a3"]}
    assert contacts == {"jane doe": ["c1"], "jane@example.com": ["c1"], "jd@home.org": ["c1"]}


def test_lookup_references_deals_only_by_name(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("deals", {"d1": {"displayName": "Big Deal", "stage": "Proposal"}}),
                               None, T0)
        assert session.lookup_references(acme, "deals", ["big deal", "proposal"]) == {"big deal": ["d1"]}


# writes ------------------------------------------------------------------------------------------------


def test_insert_records_drops_null_fields_and_starts_at_version_one(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"r1": {"displayName": "Jane", "jobTitle": None}}),
                               "job_1", T0)
        row = session.fetch_records(acme, ["r1"]).row(0, named=True)
    assert json.loads(row["data"]) == {"displayName": "Jane"}
    assert (row["module"], row["version"], row["created_by_import_job_id"]) == ("contacts", 1, "job_1")
    assert row["created_at"] == row["updated_at"] == T0


def test_update_records_is_a_json_merge_patch(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {
            "r1": {"displayName": "Jane", "jobTitle": "CTO", "notes": "keep me", "email": email("jane@x.com"),
                   "address": {"street": "1 Main St", "city": "Springfield"}},
            "r2": {"displayName": "Bob"},
        }), None, T0)
    later = T0 + timedelta(days=1)
    with store.session() as session:
        updated = session.update_records(acme, pl.DataFrame({"record_id": ["r1"], "data": [json.dumps({
            "displayName": "Jane Doe", "jobTitle": None, "email": email("new@x.com"),
            "address": {"city": "Shelbyville", "street": None}})]}), later)
        assert updated == 1
    with store.session() as session:
        rows = {r["record_id"]: r for r in session.fetch_records(acme, ["r1", "r2"]).iter_rows(named=True)}
        listed = {r["record_id"] for r in session.list_records(acme, "contacts", 10, 0, "display_name")[0]}
        # display_name follows the data: the new name sorts and names the record
        assert session.display_names(acme, ["r1"]) == {"r1": "Jane Doe"}
    assert json.loads(rows["r1"]["data"]) == {"displayName": "Jane Doe", "notes": "keep me",
                                              "email": email("new@x.com"), "address": {"city": "Shelbyville"}}
    assert rows["r1"]["version"] == 2 and rows["r1"]["updated_at"] == later and rows["r1"]["created_at"] == T0
    assert json.loads(rows["r2"]["data"]) == {"displayName": "Bob"} and rows["r2"]["version"] == 1
    assert listed == {"r1", "r2"}


def test_update_records_bumps_version_each_time(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"r1": {"displayName": "Jane"}}), None, T0)
        for expected in (2, 3, 4):
            session.update_records(
                acme, pl.DataFrame({"record_id": ["r1"], "data": [json.dumps({"notes": str(expected)})]}), T0)
            assert session.fetch_records(acme, ["r1"]).get_column("version").to_list() == [expected]


# rollback ----------------------------------------------------------------------------------------------


def lineage(rows: list[tuple]) -> pl.DataFrame:
    cols = list(LINEAGE_SCHEMA)
    return pl.DataFrame([dict(zip(cols, r, strict=True)) for r in rows], schema=LINEAGE_SCHEMA)


def test_rollback_deletes_created_restores_updated_and_reports_changed(store: RecordStore, acme: str) -> None:
    before_a = {"displayName": "Alice", "jobTitle": "Engineer", "email": email("alice@x.com")}
    before_b = {"displayName": "Bob", "jobTitle": "Sales"}
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"a": before_a, "b": before_b,
                                                          "untouched": {"displayName": "Zed"}}), None, T0)
    # The job: creates c, updates a and b.
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"c": {"displayName": "Carol"}}), "job_1", T0)
        patch = pl.DataFrame({"record_id": ["a", "b"], "data": [json.dumps({"jobTitle": "Manager", "email": None}),
                                                                json.dumps({"jobTitle": "Director"})]})
        assert session.update_records(acme, patch, T0) == 2
        after = dict(session.fetch_records(acme, ["a", "b"]).select("record_id", "version").iter_rows())
        session.add_lineage(lineage([
            ("job_1", "c", "contacts", "created", None, None, 1, 0),
            ("job_1", "a", "contacts", "updated", json.dumps(before_a), 1, after["a"], 0),
            ("job_1", "b", "contacts", "updated", json.dumps(before_b), 1, after["b"], 0),
        ]))
    # Someone edits b after the job.
    with store.session() as session:
        session.update_records(acme, pl.DataFrame({"record_id": ["b"], "data": ['{"notes": "edited by hand"}']}), T0)
    with store.session() as session:
        result = session.rollback(acme, "job_1", T0 + timedelta(days=1))
    assert (result.deleted_count, result.restored_count, result.conflicts) == (1, 1, ["b"])
    with store.session() as session:
        rows = {r["record_id"]: r for r in session.fetch_records(acme, ["a", "b", "c", "untouched"])
                .iter_rows(named=True)}
        assert session.display_names(acme, ["a"]) == {"a": "Alice"}
    assert "c" not in rows
    assert json.loads(rows["a"]["data"]) == before_a
    assert rows["a"]["version"] == 3  # restoring is a change too
    assert json.loads(rows["b"]["data"]) == {"displayName": "Bob", "jobTitle": "Director", "notes": "edited by hand"}
    assert rows["b"]["version"] == 3
    assert json.loads(rows["untouched"]["data"]) == {"displayName": "Zed"}


def test_rollback_touches_only_its_own_job(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"j1": {"displayName": "One"}}), "job_1", T0)
        session.insert_records(acme, records("contacts", {"j2": {"displayName": "Two"}}), "job_2", T0)
        session.add_lineage(lineage([("job_1", "j1", "contacts", "created", None, None, 1, 0),
                                     ("job_2", "j2", "contacts", "created", None, None, 1, 0)]))
    with store.session() as session:
        result = session.rollback(acme, "job_2", T0)
        assert (result.deleted_count, result.restored_count, result.conflicts) == (1, 0, [])
        assert session.fetch_records(acme, ["j1", "j2"]).get_column("record_id").to_list() == ["j1"]


# accounts isolation ------------------------------------------------------------------------------------


def test_records_of_one_account_are_invisible_to_another(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        globex = session.ensure_account("globex")
        session.insert_records(acme, records("contacts", {"r1": {"displayName": "Jane", "email": email("j@x.com")}}),
                               None, T0)
        session.insert_records(acme, records("accounts", {"a1": {"displayName": "Acme", "domain": "acme.com"}}),
                               None, T0)
    with store.session() as session:
        assert session.list_records(globex, "contacts", 10, 0, "created_at") == ([], 0)
        assert session.count_records(globex, "contacts") == 0
        assert session.fetch_records(globex, ["r1", "a1"]).height == 0
        assert session.display_names(globex, ["r1"]) == {}
        assert session.find_matches(globex, "contacts", incoming({"email": email("j@x.com")}), [EMAIL]).height == 0
        assert session.lookup_references(globex, "accounts", ["acme", "acme.com"]) == {}
        # and the owner still sees them
        rows, total = session.list_records(acme, "contacts", 10, 0, "created_at")
        assert [r["record_id"] for r in rows] == ["r1"] and total == 1
        assert matched(session.find_matches(acme, "contacts", incoming({"email": email("j@x.com")}), [EMAIL])) \
            == {1: "r1"}


def test_updates_and_rollback_cannot_reach_another_account(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        globex = session.ensure_account("globex")
        session.insert_records(acme, records("contacts", {"r1": {"displayName": "Jane"}}), "job_1", T0)
        session.add_lineage(lineage([("job_1", "r1", "contacts", "created", None, None, 1, 0)]))
    with store.session() as session:
        updated = session.update_records(globex, pl.DataFrame({"record_id": ["r1"],
                                                               "data": ['{"displayName": "Hacked"}']}), T0)
        assert updated == 0
        result = session.rollback(globex, "job_1", T0)
        assert result.deleted_count == 0
        assert session.get_job(globex, "job_1") is None
    with store.session() as session:
        row = session.fetch_records(acme, ["r1"]).row(0, named=True)
    assert json.loads(row["data"]) == {"displayName": "Jane"} and row["version"] == 1


def test_jobs_are_per_account(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        globex = session.ensure_account("globex")
        session.insert_job(job(acme, "job_a"))
        session.update_job("job_a", {"status": "completed", "errors": [{"row": 2, "error": "x"}]})
    with store.session() as session:
        assert session.get_job(globex, "job_a") is None
        assert session.list_jobs(globex, "contacts", 10) == []
        got = session.get_job(acme, "job_a")
        assert got["status"] == "completed" and got["errors"] == [{"row": 2, "error": "x"}]
        assert [j["job_id"] for j in session.list_jobs(acme, "contacts", 10)] == ["job_a"]


# --- the update path of an import: only the fields a merge reads leave the store ------------------------------
CONTACT_FIELDS = {"email": pl.List(pl.Struct({"value": pl.String, "type": pl.String})),
                  "address": pl.Struct({"city": pl.String, "street": pl.String}), "score": pl.Float64,
                  "tags": pl.List(pl.String), "jobTitle": pl.String}


def test_read_fields_reads_typed_fields_of_the_named_records_that_exist(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {
            "a": {"displayName": "Ann", "email": email("ann@x.com"), "address": {"city": "Oslo"}, "score": 2.5,
                  "tags": ["vip"], "jobTitle": "CEO"},
            "b": {"displayName": "Bob"}}), None, T0)
        got = session.read_fields(acme, "contacts", CONTACT_FIELDS, pl.Series(["a", "b", "gone"])).sort("id")
        assert got.drop("createdDateTime", "updatedDateTime").schema == pl.Schema({"id": pl.String, **CONTACT_FIELDS})
        assert got.drop("createdDateTime", "updatedDateTime").to_dicts() == [
            {"id": "a", "email": email("ann@x.com"), "address": {"city": "Oslo", "street": None},
             "score": 2.5, "tags": ["vip"], "jobTitle": "CEO"},
            {"id": "b", "email": None, "address": None, "score": None, "tags": None, "jobTitle": None}]
        assert session.read_fields(acme, "contacts", {}, pl.Series(["a"])).columns == ["id", "createdDateTime",
                                                                                     "updatedDateTime"]


def test_update_with_nulls_kept_sets_only_what_the_patch_has(store: RecordStore, acme: str) -> None:
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"a": {"displayName": "Ann", "jobTitle": "CEO",
                                                                "address": {"city": "Oslo", "street": "Main 1"}}}),
                               None, T0)
        patch = json.dumps({"displayName": None, "jobTitle": "CTO", "address": {"city": None, "street": "Side 2"}})
        session.update_records(acme, pl.DataFrame({"record_id": ["a"], "data": [patch]}), T0, keep_nulls=True)
        assert data_of(session, acme, "a") == {"displayName": "Ann", "jobTitle": "CTO",
                                               "address": {"city": "Oslo", "street": "Side 2"}}
        assert session.display_names(acme, ["a"]) == {"a": "Ann"}
        # The default, RFC 7386: a null removes the field.
        session.update_records(acme, pl.DataFrame({"record_id": ["a"], "data": [patch]}), T0)
        assert data_of(session, acme, "a") == {"jobTitle": "CTO", "address": {"street": "Side 2"}}
        assert session.display_names(acme, ["a"]) == {"a": None}


def test_update_writes_its_lineage_and_rollback_restores_it(store: RecordStore, acme: str) -> None:
    from coherence_pipelines.store.base import UpdateLineage

    before = {"displayName": "Ann", "jobTitle": "CEO"}
    with store.session() as session:
        session.insert_records(acme, records("contacts", {"a": before}), None, T0)
        session.insert_job(job(acme))
        updated = session.update_records(acme, pl.DataFrame({"record_id": ["a", "missing"],
                                                             "data": ['{"jobTitle": "CTO"}', '{"x": 1}']}), T0,
                                         lineage=UpdateLineage("job_1", "contacts", 3))
        assert updated == 1 and session.fetch_records(acme, ["a"]).get_column("version").to_list() == [2]
        assert session.job_lineage("job_1").to_dicts() == [{"record_id": "a", "module": "contacts",
                                                            "action": "updated"}]
    with store.session() as session:
        result = session.rollback(acme, "job_1", T0 + timedelta(days=1))
        assert (result.restored_count, result.conflicts) == (1, [])
        assert data_of(session, acme, "a") == before
