"""Records as the API shows them (interfaces.md): system fields plus the stored fields, with each
reference expanded to `{"id", "displayName"}`."""

from __future__ import annotations

import json
from typing import Any

from coherence_pipelines.execution.jobs import iso
from coherence_pipelines.modules import ModuleDef
from coherence_pipelines.store.base import StoreSession


def record_views(session: StoreSession, account_id: str, module: ModuleDef, rows: list[dict[str, Any]]) -> list[dict]:
    docs = [json.loads(r["data"]) if isinstance(r["data"], str) else r["data"] for r in rows]
    ref_slugs = [f.slug for f in module.fields if f.data_type == "reference"]
    ref_ids = sorted({d[s] for d in docs for s in ref_slugs if isinstance(d.get(s), str)})
    names = session.display_names(account_id, ref_ids)
    views = []
    for row, doc in zip(rows, docs, strict=True):
        view: dict[str, Any] = {"id": row["record_id"], "displayName": doc.get("displayName")}
        for f in module.fields:
            if f.slug == "displayName":
                continue
            value = doc.get(f.slug)
            if f.data_type == "reference" and isinstance(value, str):
                value = {"id": value, "displayName": names.get(value)}
            view[f.slug] = value
        view.update({"createdDateTime": iso(row["created_at"]), "updatedDateTime": iso(row["updated_at"]),
                     "createdByImportJobId": row["created_by_import_job_id"]})
        views.append(view)
    return views
