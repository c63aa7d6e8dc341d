"""Saved reports: a module, columns, filters and a sort kept under a name, exported on demand, on a cron
schedule, or after each import into their module."""

from __future__ import annotations

import secrets
from typing import Any

from coherence_pipelines.errors import InvalidExportConfig, InvalidReport
from coherence_pipelines.execution.jobs import iso, utcnow
from coherence_pipelines.export.cron import is_valid_cron, is_valid_timezone
from coherence_pipelines.export.spec import ExportSpec, build_spec
from coherence_pipelines.modules import ModuleDef

DEFINITION_KEYS = ("columns", "filters", "sortField", "sortDirection", "schedule", "refreshAfterImport")


def new_report_id() -> str:
    return f"rpt_{secrets.token_hex(8)}"


def checked_definition(module: ModuleDef, body: dict[str, Any]) -> dict[str, Any]:
    """The report's definition after checking it as an export of its module would be checked: a bad
    column, filter, sort or schedule is refused when the report is saved, not when it first runs."""
    definition = {k: body.get(k) for k in DEFINITION_KEYS}
    try:
        build_spec(module, "csv", None, base=definition)
        schedule = definition.get("schedule")
        if schedule is not None:
            if not is_valid_cron(schedule.get("cron")):
                raise InvalidReport(f"schedule.cron {schedule.get('cron')!r} is not a valid cron expression "
                                    "(five fields, e.g. '0 7 * * 1-5')")
            if schedule.get("timezone") is not None and not is_valid_timezone(schedule["timezone"]):
                raise InvalidReport(f"schedule.timezone {schedule['timezone']!r} is not a time zone name "
                                    "(IANA, e.g. 'Europe/Berlin' or 'America/New_York')")
            build_spec(module, schedule.get("format") or "csv", schedule.get("config"), base=definition)
        refresh = definition.get("refreshAfterImport")
        if isinstance(refresh, dict):
            build_spec(module, refresh.get("format") or "csv", refresh.get("config"), base=definition)
    except InvalidExportConfig as exc:
        raise InvalidReport(f"Invalid report: {exc.message}") from None
    return definition


def report_spec(module: ModuleDef, report: dict[str, Any], fmt: str, config: dict[str, Any] | None) -> ExportSpec:
    """The export of a report: its definition with the request's config on top; the title defaults to the
    report's name."""
    config = dict(config or {})
    config.setdefault("title", report["name"])
    return build_spec(module, fmt, config, base=report["definition"])


def triggered_export(report: dict[str, Any], trigger: str) -> tuple[str, dict[str, Any] | None]:
    """(format, config) of a scheduled (`schedule`) or refresh (`sensor`) export of the report."""
    definition = report["definition"]
    source = definition.get("schedule") if trigger == "schedule" else definition.get("refreshAfterImport")
    if not isinstance(source, dict):
        source = definition.get("schedule") or {}
    return source.get("format") or "csv", source.get("config")


def new_report(account_id: str, name: str, module: str, definition: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    return {"report_id": new_report_id(), "account_id": account_id, "name": name, "module": module,
            "definition": definition, "created_at": now, "updated_at": now}


def report_view(report: dict[str, Any]) -> dict[str, Any]:
    d = report["definition"]
    return {
        "reportId": report["report_id"], "accountId": report["account_id"], "name": report["name"],
        "module": report["module"], "columns": d.get("columns"), "filters": d.get("filters") or [],
        "sortField": d.get("sortField"), "sortDirection": d.get("sortDirection"), "schedule": d.get("schedule"),
        "refreshAfterImport": d.get("refreshAfterImport") or False,
        "createdDateTime": iso(report["created_at"]), "updatedDateTime": iso(report["updated_at"]),
    }
