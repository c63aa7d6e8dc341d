"""The account's modules and their records: what an import did, seen from the outside."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from coherence_pipelines.api.deps import CurrentPrincipal, Store, account_modules, find_module
from coherence_pipelines.api.envelope import ok
from coherence_pipelines.api.record_view import record_views
from coherence_pipelines.errors import InvalidOption, RecordNotFound
from coherence_pipelines.modules import ModuleDef

router = APIRouter(prefix="/modules", tags=["modules"])

_SYSTEM_SORT = {"createdDateTime": "created_at", "updatedDateTime": "updated_at", "id": "record_id"}
_NUMERIC = {"number", "currency", "percent"}


def order_by(module: ModuleDef, field: str | None, direction: str) -> str:
    """An ORDER BY built only from registry-checked names; ties break on id for stable pages."""
    desc = "DESC" if direction == "desc" else "ASC"
    if field is None:
        return "created_at DESC, record_id DESC"
    if field in _SYSTEM_SORT:
        return f"{_SYSTEM_SORT[field]} {desc}, record_id {desc}"
    f = module.field(field)
    if f is None:
        raise InvalidOption(f"sortField {field!r} is not a field of module {module.slug!r}")
    if f.data_type in _NUMERIC:
        expr = f"TRY_CAST(json_extract_string(data, '$.{f.slug}') AS DOUBLE)"
    else:
        expr = f"lower(json_extract_string(data, '$.{f.slug}'))"
    return f"{expr} {desc} NULLS LAST, record_id {desc}"


@router.get("", summary="The account's modules with their fields")
def list_modules(principal: CurrentPrincipal, store: Store) -> JSONResponse:
    return ok([m.describe() for m in account_modules(store, principal.account_id).values()])


@router.get("/{module}/records", summary="A page of records, newest first by default")
def list_records(module: str, principal: CurrentPrincipal, store: Store,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
                 sortField: str | None = None,
                 sortDirection: Literal["asc", "desc"] = "desc") -> JSONResponse:  # noqa: N803 - API names
    mod = find_module(store, principal.account_id, module)
    order = order_by(mod, sortField, sortDirection)
    with store.session() as session:
        rows, total = session.list_records(principal.account_id, mod.slug, limit, offset, order)
        records = record_views(session, principal.account_id, mod, rows)
    return ok({"records": records, "total": total})


@router.get("/{module}/records/{record_id}", summary="One record")
def get_record(module: str, record_id: str, principal: CurrentPrincipal, store: Store) -> JSONResponse:
    mod = find_module(store, principal.account_id, module)
    with store.session() as session:
        frame = session.fetch_records(principal.account_id, [record_id])
        rows = [r for r in frame.to_dicts() if r["module"] == mod.slug]
        if not rows:
            raise RecordNotFound()
        return ok(record_views(session, principal.account_id, mod, rows)[0])
