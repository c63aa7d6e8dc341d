"""Mapping memory over HTTP: the named mapping templates of a module, and the mappings its imports saved."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from coherence_pipelines.api.deps import ImportPrincipal, Store, find_module
from coherence_pipelines.api.envelope import ok
from coherence_pipelines.api.schemas import MappingTemplateIn
from coherence_pipelines.errors import NotFound
from coherence_pipelines.execution import ColumnMapping
from coherence_pipelines.execution.column_mapping import plan_mapping
from coherence_pipelines.execution.jobs import iso
from coherence_pipelines.mapping.memory import RECENT_MAPPINGS

router = APIRouter(prefix="/modules/{module}/import/mappings", tags=["import"])
TemplateName = Path(min_length=1, max_length=100)


@router.get("", summary="Named mapping templates and the mappings recent imports saved")
def list_mappings(module: str, principal: ImportPrincipal, store: Store) -> JSONResponse:
    mod = find_module(store, principal.account_id, module)
    with store.session() as session:
        templates = session.mapping_templates(principal.account_id, mod.slug)
        recent = session.recent_mappings(principal.account_id, mod.slug, RECENT_MAPPINGS)
    return ok({"templates": [_view(t) | {"name": t["name"], "updatedDateTime": iso(t["updated_at"])}
                             for t in templates],
               "recent": [_view(r) | {"importJobId": r["import_job_id"], "savedDateTime": iso(r["saved_at"])}
                          for r in recent]})


@router.put("/{name}", summary="Save a named mapping template (replaces one of the same name)")
def save_template(module: str, body: MappingTemplateIn, principal: ImportPrincipal, store: Store,
                  name: str = TemplateName) -> JSONResponse:
    mod = find_module(store, principal.account_id, module)
    mapping = [m.model_dump(exclude_none=True, exclude={"confidence"}) for m in body.columnMapping]
    plan_mapping(mod, [ColumnMapping.from_api(m) for m in mapping])  # a bad mapping is a 400 now, not at import
    headers = body.headers or [m["sourceColumn"] for m in mapping]
    template = {"headers": headers, "column_mapping": mapping, "encoding": body.encoding,
                "delimiter": body.delimiter, "date_order": body.dateOrder}
    with store.session() as session:
        session.save_template(principal.account_id, mod.slug, name.strip(), template)
    return ok({"name": name.strip(), **_view(template)})


@router.delete("/{name}", summary="Delete a named mapping template")
def delete_template(module: str, principal: ImportPrincipal, store: Store, name: str = TemplateName) -> JSONResponse:
    mod = find_module(store, principal.account_id, module)
    with store.session() as session:
        if not session.delete_template(principal.account_id, mod.slug, name):
            raise NotFound(f"No mapping template named {name!r}")
    return ok({"name": name, "deleted": True})


def _view(saved: dict[str, Any]) -> dict[str, Any]:
    return {"headers": saved["headers"], "columnMapping": saved["column_mapping"], "encoding": saved["encoding"],
            "delimiter": saved["delimiter"], "dateOrder": saved["date_order"]}
