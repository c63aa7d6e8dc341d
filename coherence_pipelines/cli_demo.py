"""`coherence demo`: a demo account filled through the real import path, plus two saved reports."""

from __future__ import annotations

import random
from typing import Any

from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource, rows_frame
from coherence_pipelines.export.reports import checked_definition, new_report
from coherence_pipelines.modules import merge_definitions
from coherence_pipelines.settings import get_settings
from coherence_pipelines.store import RecordStore
from coherence_pipelines.validation import NormalizeContext

FIRST = ["Ana", "Ben", "Chloé", "David", "Emma", "François", "Greta", "Hiro", "Inès", "Jonas", "Kai", "Lena",
         "Mateo", "Nora", "Olivia", "Pedro", "Quinn", "Rosa", "Sven", "Tara"]
LAST = ["Almeida", "Becker", "Costa", "Dubois", "Evans", "Fischer", "García", "Hansen", "Ito", "Jensen", "Kowalski",
        "López", "Müller", "Nakamura", "O'Brien", "Petrov", "Rossi", "Schmidt", "Tanaka", "Weber"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises", "Soylent",
             "Tyrell", "Cyberdyne", "Vandelay Industries", "Wonka", "Gringotts", "Oscorp", "Aperture"]
STAGES = ["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]
LEAD_STATUS = ["New", "Contacted", "Qualified", "Unqualified", "Customer"]


def _mapping(*pairs: tuple[str, str]) -> list[ColumnMapping]:
    return [ColumnMapping(source_column=column, target_field_slug=slug) for column, slug in pairs]


def fill_demo(store: RecordStore, account: str, seed: int = 7) -> dict[str, Any]:
    rnd = random.Random(seed)
    with store.session() as session:
        account_id = session.ensure_account(account)
        modules = merge_definitions(session.custom_modules(account_id))
    companies = [{"Company": c, "Domain": c.lower().replace(" ", "") + ".example",
                  "Employees": str(rnd.randint(5, 5000))} for c in COMPANIES]
    people = []
    for i in range(300):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        people.append({"Name": f"{first} {last}", "First": first, "Last": last,
                       "Email": f"{first}.{last}.{i}@example.com".lower().replace("'", ""),
                       "Phone": f"+1 555 {rnd.randint(100, 999)} {rnd.randint(1000, 9999)}",
                       "Company": rnd.choice(COMPANIES), "Status": rnd.choice(LEAD_STATUS)})
    deals = [{"Deal": f"{rnd.choice(COMPANIES)} renewal {i}", "Amount": str(rnd.randint(1, 200) * 500),
              "Stage": rnd.choice(STAGES), "Account": rnd.choice(COMPANIES), "Close": f"2027-0{rnd.randint(1, 9)}-15"}
             for i in range(80)]
    plans = [
        ("accounts", companies, _mapping(("Company", "displayName"), ("Domain", "domain"),
                                         ("Employees", "employeeCount"))),
        ("contacts", people, _mapping(("Name", "displayName"), ("First", "firstName"), ("Last", "lastName"),
                                      ("Email", "email"), ("Phone", "phone"), ("Company", "account"),
                                      ("Status", "leadStatus"))),
        ("deals", deals, _mapping(("Deal", "displayName"), ("Amount", "amount"), ("Stage", "stage"),
                                  ("Account", "account"), ("Close", "closeDate"))),
    ]
    counts = {}
    ctx = NormalizeContext(region=get_settings().default_region)
    for slug, rows, mapping in plans:
        options = ImportOptions(column_mapping=mapping, duplicate_strategy="update")
        runner = ImportRunner(store, account_id, modules[slug], options, ctx)
        result = runner.execute(ImportSource(rows=rows_frame(rows), file_name=f"demo-{slug}.csv"), max_rows=None)
        counts[slug] = result["successRows"]
    reports = [
        new_report(account_id, "Qualified contacts", "contacts", checked_definition(modules["contacts"], {
            "columns": ["displayName", "email", "phone", "account", "leadStatus"],
            "filters": [{"field": "leadStatus", "op": "eq", "value": "Qualified"}],
            "sortField": "displayName", "sortDirection": "asc",
            "schedule": {"cron": "0 7 * * 1", "format": "pdf", "config": {"title": "Qualified contacts"}}})),
        new_report(account_id, "Open deals", "deals", checked_definition(modules["deals"], {
            "columns": ["displayName", "amount", "stage", "account", "closeDate"],
            "filters": [{"field": "stage", "op": "in", "value": STAGES[:4]}],
            "sortField": "amount", "sortDirection": "desc", "refreshAfterImport": True})),
    ]
    with store.session() as session:
        for report in reports:
            session.insert_report(report)
    return {"account": account, "accountId": account_id, "records": counts,
            "reports": [r["report_id"] for r in reports]}
