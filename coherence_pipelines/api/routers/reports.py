"""Saved reports (create, list, get, update, delete) and their exports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from coherence_pipelines.api.deps import AppSettings, ExportPrincipal, Store, find_module
from coherence_pipelines.api.envelope import ok
from coherence_pipelines.api.routers.exports import export_or_job
from coherence_pipelines.api.schemas import ExportIn, ReportIn, ReportUpdateIn
from coherence_pipelines.errors import ReportNotFound
from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.export.reports import checked_definition, new_report, report_spec, report_view

router = APIRouter(prefix="/reports", tags=["reports"])


@router.post("", summary="Save a report: a module, columns, filters, sort and an optional schedule", status_code=201)
def create_report(body: ReportIn, principal: ExportPrincipal, store: Store) -> JSONResponse:
    mod = find_module(store, principal.account_id, body.module)
    definition = checked_definition(mod, body.definition_doc())
    report = new_report(principal.account_id, body.name.strip(), mod.slug, definition)
    with store.session() as session:
        session.insert_report(report)
    return ok(report_view(report), status_code=201)


@router.get("", summary="The account's saved reports, newest first")
def list_reports(principal: ExportPrincipal, store: Store) -> JSONResponse:
    with store.session() as session:
        reports = session.list_reports(principal.account_id)
    return ok([report_view(r) for r in reports])


@router.get("/{report_id}", summary="One saved report")
def get_report(report_id: str, principal: ExportPrincipal, store: Store) -> JSONResponse:
    return ok(report_view(_report(store, principal.account_id, report_id)))


@router.put("/{report_id}", summary="Change a saved report")
def update_report(report_id: str, body: ReportUpdateIn, principal: ExportPrincipal, store: Store) -> JSONResponse:
    report = _report(store, principal.account_id, report_id)
    mod = find_module(store, principal.account_id, report["module"])
    given = body.model_dump(exclude_unset=True, exclude={"name"})
    definition = checked_definition(mod, {**report["definition"], **given})
    update: dict[str, Any] = {"definition": definition, "updated_at": utcnow()}
    if body.name is not None:
        update["name"] = body.name.strip()
    with store.session() as session:
        session.update_report(principal.account_id, report_id, update)
        saved = session.get_report(principal.account_id, report_id)
    return ok(report_view(saved))  # type: ignore[arg-type]


@router.delete("/{report_id}", summary="Delete a saved report (its past export jobs stay listed)")
def delete_report(report_id: str, principal: ExportPrincipal, store: Store) -> JSONResponse:
    with store.session() as session:
        if not session.delete_report(principal.account_id, report_id):
            raise ReportNotFound()
    return ok({"reportId": report_id, "deleted": True})


@router.post("/{report_id}/export", summary="Export a saved report's results to CSV or PDF",
             responses={200: {"content": {"text/csv": {}, "application/pdf": {}}},
                        202: {"description": "An export job, above 10,000 records"}})
async def export_report(report_id: str, body: ExportIn, request: Request, principal: ExportPrincipal, store: Store,
                        settings: AppSettings) -> Response:
    report = await run_in_threadpool(_report, store, principal.account_id, report_id)
    mod = await run_in_threadpool(find_module, store, principal.account_id, report["module"])
    spec = report_spec(mod, report, body.format, body.config_doc())
    return await run_in_threadpool(export_or_job, request, store, settings, principal.account_id, mod, spec,
                                   "report", report["report_id"], report["name"])


def _report(store: Store, account_id: str, report_id: str) -> dict[str, Any]:
    with store.session() as session:
        report = session.get_report(account_id, report_id)
    if report is None:
        raise ReportNotFound()
    return report
