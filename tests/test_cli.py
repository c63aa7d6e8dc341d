"""The `coherence` command: keys, custom modules and imports, run for real against a COHERENCE_HOME in a
temporary folder (click's CliRunner in process, and the installed entry point in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from csv import reader as csv_reader
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coherence_pipelines.cli import main
from coherence_pipelines.modules import merge_definitions
from coherence_pipelines.settings import Settings, get_settings
from coherence_pipelines.store import RecordStore
from coherence_pipelines.store.api_keys import key_id_of, matches

COHERENCE = Path(sys.executable).with_name("coherence")

CONTACTS_CSV = ("Name,Email,Title\nJane Doe,jane@example.com,CTO\nBob Roe,bob@example.com,\n"
                "Al Poe,al@example.com,Sales\n")

CUSTOM = """
modules:
  projects:
    label: Projects
    fields:
      - {slug: displayName, label: Name, type: text, required: true}
      - {slug: budget, label: Budget, type: currency}
  contacts:
    fields:
      - {slug: shoeSize, label: Shoe Size, type: number}
"""


@pytest.fixture
def cli(settings: Settings) -> Iterator[Callable[..., Result]]:
    """Run `coherence ARGS...` in process with COHERENCE_HOME set to the test's home."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()
        try:
            return runner.invoke(main, list(args), env={"COHERENCE_HOME": str(settings.home)})
        finally:
            get_settings.cache_clear()

    yield invoke
    get_settings.cache_clear()


def run_coherence(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COHERENCE_HOME": str(settings.home)}
    return subprocess.run([str(COHERENCE), *args], env=env, capture_output=True, text=True, timeout=60)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def account_id(store: RecordStore, name: str) -> str | None:
    with store.session() as session:
        return session.account_id_by_name(name)


def contacts(store: RecordStore, account: str) -> list[dict]:
    account_ = account_id(store, account)
    with store.session() as session:
        rows, _ = session.list_records(account_, "contacts", 100, 0, "created_at, record_id")
    return [json.loads(r["data"]) for r in rows]


# keys --------------------------------------------------------------------------------------------------


def test_keys_create_prints_the_key_alone_on_its_last_line(settings: Settings, store: RecordStore) -> None:
    proc = run_coherence(settings, "keys", "create", "--account", "acme", "--scopes", "import")
    assert proc.returncode == 0, proc.stderr
    key = last_line(proc.stdout)
    assert key.startswith("coh_") and " " not in key
    with store.session() as session:
        found = session.api_key(key_id_of(key))
        acme = session.account_id_by_name("acme")
    assert found is not None
    found_account, found_name, key_hash, scopes = found
    assert (found_account, found_name, scopes) == (acme, "acme", frozenset({"import"}))
    assert matches(key, key_hash)
    assert key not in proc.stderr and key_hash not in proc.stdout


def test_keys_create_reuses_the_account_and_makes_distinct_keys(cli, store: RecordStore) -> None:
    first, second = cli("keys", "create", "--account", "acme"), cli("keys", "create", "--account", "acme")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    k1, k2 = last_line(first.stdout), last_line(second.stdout)
    assert k1 != k2
    with store.session() as session:
        a1, a2 = session.api_key(key_id_of(k1)), session.api_key(key_id_of(k2))
    assert a1[0] == a2[0] == account_id(store, "acme")
    assert a1[3] == frozenset({"import", "export", "admin"})
    assert matches(k1, a1[2]) and not matches(k1, a2[2])


@pytest.mark.parametrize("scopes", ["import,root", "", "everything"])
def test_keys_create_refuses_bad_scopes(cli, store: RecordStore, scopes: str) -> None:
    result = cli("keys", "create", "--account", "acme", "--scopes", scopes)
    assert result.exit_code != 0
    assert "--scopes" in result.output and "import, export, admin" in result.output
    assert account_id(store, "acme") is None  # nothing was made


# modules -----------------------------------------------------------------------------------------------


def test_modules_load_defines_custom_modules_and_fields(cli, store: RecordStore, tmp_path: Path) -> None:
    definition = tmp_path / "custom.yaml"
    definition.write_text(CUSTOM)
    result = cli("modules", "load", str(definition), "--account", "acme")
    assert result.exit_code == 0, result.output
    assert "projects" in result.stdout and "acme" in result.stdout
    with store.session() as session:
        acme = session.account_id_by_name("acme")
        registry = merge_definitions(session.custom_modules(acme))
        other = merge_definitions(session.custom_modules(session.ensure_account("globex")))
    projects = registry["projects"]
    assert not projects.builtin and projects.label == "Projects"
    assert projects.slugs == ["displayName", "budget"]
    assert projects.field("budget").data_type == "currency"
    assert projects.field("displayName").required
    assert registry["contacts"].field("shoeSize").data_type == "number"
    assert registry["contacts"].field("email") is not None  # built-ins kept
    assert "projects" not in other and other["contacts"].field("shoeSize") is None


def test_modules_load_replaces_the_previous_definition(cli, store: RecordStore, tmp_path: Path) -> None:
    definition = tmp_path / "custom.yaml"
    definition.write_text(CUSTOM)
    assert cli("modules", "load", str(definition), "--account", "acme").exit_code == 0
    definition.write_text('{"modules": {"vendors": {"fields": [{"slug": "displayName"}]}}}')  # JSON works too
    assert cli("modules", "load", str(definition), "--account", "acme").exit_code == 0
    acme = account_id(store, "acme")
    with store.session() as session:
        registry = merge_definitions(session.custom_modules(acme))
    assert "vendors" in registry and "projects" not in registry
    assert registry["contacts"].field("shoeSize") is None


@pytest.mark.parametrize(("text", "message"), [
    ("modules:\n  projects:\n    fields:\n      - {slug: displayName}\n      - {slug: budget, type: money}\n",
     "unknown type 'money'"),
    ("modules:\n  projects:\n    fields:\n      - {slug: budget, type: currency}\n", "needs a displayName field"),
    ("modules:\n  contacts:\n    fields:\n      - {slug: email, type: text}\n", "clash with built-in fields"),
    ("modules:\n  projects:\n    fields:\n      - {slug: displayName}\n      - {slug: owner2, type: reference}\n",
     "needs a target module"),
    ("projects: {}\n", "top-level `modules` mapping"),
    ("modules: [unclosed\n", "not valid YAML or JSON"),
])
def test_modules_load_refuses_an_invalid_definition(cli, store: RecordStore, tmp_path: Path, text: str,
                                                    message: str) -> None:
    definition = tmp_path / "bad.yaml"
    definition.write_text(text)
    result = cli("modules", "load", str(definition), "--account", "acme")
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    acme = account_id(store, "acme")
    if acme is not None:
        with store.session() as session:
            assert session.custom_modules(acme) == {}


# import ------------------------------------------------------------------------------------------------


def test_import_creates_then_updates(settings: Settings, store: RecordStore, tmp_path: Path) -> None:
    csv = tmp_path / "contacts.csv"
    csv.write_text(CONTACTS_CSV)
    args = ("import", str(csv), "--module", "contacts", "--account", "acme", "--duplicates", "update",
            "--match", "email", "--static", "leadSource=Event")
    proc = run_coherence(settings, *args)
    assert proc.returncode == 0, proc.stderr
    first = json.loads(last_line(proc.stdout))
    assert (first["status"], first["totalRows"], first["createdRows"], first["updatedRows"], first["errorRows"]) \
        == ("completed", 3, 3, 0, 0)
    assert len(first["createdRecordIds"]) == 3
    stored = {c["email"][0]["value"]: c for c in contacts(store, "acme")}
    assert sorted(stored) == ["al@example.com", "bob@example.com", "jane@example.com"]
    assert {c["leadSource"] for c in stored.values()} == {"Event"}
    assert stored["jane@example.com"]["displayName"] == "Jane Doe"
    assert stored["jane@example.com"]["jobTitle"] == "CTO"

    csv.write_text(CONTACTS_CSV.replace("CTO", "CEO"))
    proc = run_coherence(settings, *args)
    assert proc.returncode == 0, proc.stderr
    second = json.loads(last_line(proc.stdout))
    assert (second["status"], second["createdRows"], second["updatedRows"], second["successRows"]) \
        == ("completed", 0, 3, 3)
    assert sorted(second["updatedRecordIds"]) == sorted(first["createdRecordIds"])
    after = {c["email"][0]["value"]: c for c in contacts(store, "acme")}
    assert len(after) == 3 and after["jane@example.com"]["jobTitle"] == "CEO"
    acme = account_id(store, "acme")
    with store.session() as session:
        jobs = session.list_jobs(acme, "contacts", 10)
    assert {j["job_id"] for j in jobs} == {first["importJobId"], second["importJobId"]}
    assert {j["file_name"] for j in jobs} == {"contacts.csv"}


def test_import_with_a_mapping_file(cli, store: RecordStore, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("Who,Mail,Cell,Town,Secret\nJane Doe,jane@example.com,555-0100,Springfield,x\n"
                   "Bob Roe,bob@example.com,(555) 0101,Shelbyville,y\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"columnMapping": [
        {"sourceColumn": "Who", "targetFieldSlug": "displayName"},
        {"sourceColumn": "Mail", "targetFieldSlug": "email", "valueType": "personal"},
        {"sourceColumn": "Cell", "targetFieldSlug": "phone", "valueType": "Mobile"},
        {"sourceColumn": "Town", "targetFieldSlug": "address", "addressPart": "city"},
        {"sourceColumn": "Secret", "targetFieldSlug": "notes", "ignored": True},
    ]}))
    result = cli("import", str(csv), "--module", "contacts", "--account", "acme", "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    summary = json.loads(last_line(result.stdout))
    assert (summary["createdRows"], summary["errorRows"]) == (2, 0)
    jane = next(c for c in contacts(store, "acme") if c["displayName"] == "Jane Doe")
    assert jane["email"] == [{"value": "jane@example.com", "type": "Personal"}]
    assert [(p["value"], p["type"]) for p in jane["phone"]] == [("555-0100", "Mobile")]
    assert jane["address"] == {"city": "Springfield"}
    assert "notes" not in jane


def test_import_into_a_custom_module(cli, store: RecordStore, tmp_path: Path) -> None:
    definition = tmp_path / "custom.yaml"
    definition.write_text(CUSTOM)
    assert cli("modules", "load", str(definition), "--account", "acme").exit_code == 0
    csv = tmp_path / "projects.csv"
    csv.write_text("Project,Budget\nApollo,\"$1,234.50\"\nGemini,99\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps([{"sourceColumn": "Project", "targetFieldSlug": "displayName"},
                                   {"sourceColumn": "Budget", "targetFieldSlug": "budget"}]))
    result = cli("import", str(csv), "--module", "projects", "--account", "acme", "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert json.loads(last_line(result.stdout))["createdRows"] == 2
    acme = account_id(store, "acme")
    with store.session() as session:
        rows, total = session.list_records(acme, "projects", 10, 0, "display_name")
    assert total == 2
    assert [(json.loads(r["data"])["displayName"], json.loads(r["data"])["budget"]) for r in rows] == [
        ("Apollo", 1234.5), ("Gemini", 99)]


def test_import_defaults_to_the_default_account(cli, store: RecordStore, tmp_path: Path) -> None:
    csv = tmp_path / "contacts.csv"
    csv.write_text(CONTACTS_CSV)
    result = cli("import", str(csv), "--module", "contacts")
    assert result.exit_code == 0, result.output
    assert json.loads(last_line(result.stdout))["createdRows"] == 3
    assert len(contacts(store, "default")) == 3


@pytest.mark.parametrize(("extra", "code"), [
    (("--module", "widgets"), "MODULE_NOT_FOUND"),
    (("--module", "contacts", "--static", "leadSource"), "INVALID_OPTION"),
    (("--module", "contacts", "--match", "address", "--duplicates", "update"), "INVALID_OPTION"),
    (("--module", "contacts", "--static", "favouriteColour=blue"), "INVALID_MAPPING"),
    (("--module", "contacts", "--mapping", "missing.json"), "INVALID_MAPPING"),
])
def test_import_errors_exit_non_zero_with_a_json_error(cli, store: RecordStore, tmp_path: Path, extra, code) -> None:
    csv = tmp_path / "contacts.csv"
    csv.write_text(CONTACTS_CSV)
    args = [a if a != "missing.json" else str(tmp_path / a) for a in extra]
    result = cli("import", str(csv), "--account", "acme", *args)
    assert result.exit_code == 1
    body = json.loads(last_line(result.stdout))
    assert body["success"] is False and body["error"]["code"] == code and body["error"]["message"]
    assert contacts(store, "acme") == []


# export and demo ---------------------------------------------------------------------------------------


def test_demo_then_export_a_module_and_a_report(cli, store: RecordStore, tmp_path: Path) -> None:
    result = cli("demo")
    assert result.exit_code == 0, result.output
    demo = json.loads(last_line(result.output))
    assert demo["records"] == {"accounts": 15, "contacts": 300, "deals": 80} and len(demo["reports"]) == 2
    out = tmp_path / "people.csv"
    result = cli("export", "--module", "contacts", "--account", "demo", "--columns", "displayName,email,account",
                 "--limit", "5", "--sort", "displayName", "--desc", "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = json.loads(last_line(result.output))
    assert summary["rows"] == 5 and summary["bytes"] == out.stat().st_size
    rows = list(csv_reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["Name", "Email", "Account"] and len(rows) == 6
    names = [r[0] for r in rows[1:]]
    assert names == sorted(names, key=str.lower, reverse=True)
    assert all(r[2] for r in rows[1:])  # references come out as the account's name

    report_out = tmp_path / "deals.csv"
    result = cli("export", "--report", demo["reports"][1], "--account", "demo", "--out", str(report_out))
    assert result.exit_code == 0, result.output
    deals = list(csv_reader(report_out.read_text(encoding="utf-8-sig").splitlines()))
    assert deals[0] == ["Deal Name", "Amount", "Stage", "Account", "Close Date"]
    assert {r[2] for r in deals[1:]} <= {"Prospecting", "Qualification", "Proposal", "Negotiation"}


def test_export_errors_exit_non_zero(cli, store: RecordStore) -> None:
    cli("demo")
    result = cli("export", "--module", "contacts", "--account", "demo", "--columns", "nope")
    assert result.exit_code == 1 and json.loads(last_line(result.output))["error"]["code"] == "INVALID_EXPORT_CONFIG"
    result = cli("export", "--module", "contacts", "--account", "nobody")
    assert result.exit_code == 1
    result = cli("export", "--account", "demo")
    assert result.exit_code == 2 and "exactly one" in result.output


def test_import_with_a_named_template(cli, store: RecordStore, tmp_path: Path) -> None:
    csv_file = tmp_path / "legacy.csv"
    csv_file.write_text("Who,Col X\nJane Doe,CTO\n")
    acme = None
    with store.session() as session:
        acme = session.ensure_account("acme")
        session.save_template(acme, "contacts", "legacy", {
            "headers": ["Who", "Col X"], "column_mapping": [{"sourceColumn": "Who", "targetFieldSlug": "displayName"},
                                                            {"sourceColumn": "Col X", "targetFieldSlug": "jobTitle"}]})
    result = cli("import", str(csv_file), "--module", "contacts", "--account", "acme", "--mapping", "template:legacy")
    assert result.exit_code == 0, result.output
    assert contacts(store, "acme")[0]["jobTitle"] == "CTO"
    result = cli("import", str(csv_file), "--module", "contacts", "--account", "acme", "--mapping", "template:nope")
    assert result.exit_code == 1 and "nope" in last_line(result.output)
