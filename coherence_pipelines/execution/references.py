"""Reference fields: a row names another record ("Acme Corp", "acme.com", "jane@x.com") and the import
links it by id, creating the record when asked to (`createMissingReferences`) or reporting the names it
could not resolve (`referenceWarnings`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from coherence_pipelines.execution.ids import new_record_ids
from coherence_pipelines.modules.fields import FieldDef, ModuleDef
from coherence_pipelines.store.base import StoreSession

_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)/?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_REPORTED_VALUES = 100


@dataclass
class ReferenceOutcome:
    """What resolving one reference field found, kept across the chunks of an import."""

    field: FieldDef
    resolved: dict[str, str] = field(default_factory=dict)  # lower-cased name -> record id
    unresolved: dict[str, str] = field(default_factory=dict)  # lower-cased name -> the name as written
    ambiguous: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)  # record ids created in the target module

    def warning(self) -> dict | None:
        if not self.unresolved and not self.ambiguous:
            return None
        out = {"fieldSlug": self.field.slug, "fieldLabel": self.field.label,
               "unresolvedValues": list(self.unresolved.values())[:MAX_REPORTED_VALUES],
               "targetModuleSlug": self.field.target_module}
        if self.ambiguous:
            out["ambiguousValues"] = list(self.ambiguous.values())[:MAX_REPORTED_VALUES]
        return out


def reference_fields(module: ModuleDef, slugs: list[str]) -> list[FieldDef]:
    return [f for f in (module.field(s) for s in slugs) if f is not None and f.data_type == "reference"]


def resolve_chunk(session: StoreSession, account_id: str, values: pl.DataFrame,
                  outcomes: dict[str, ReferenceOutcome], create_missing: bool, job_id: str | None,
                  now: datetime) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """`values` with each reference column's names replaced by record ids (null where unresolved), and the
    (record id, module) of every target record created.

    With `create_missing`, the missing targets are inserted in this session, so they commit with the chunk.
    With `job_id` None (a dry run), nothing is written and missing names count as "would be created".
    """
    created: list[tuple[str, str]] = []
    for slug, outcome in outcomes.items():
        names = values.get_column(slug)
        keys = names.str.strip_chars().str.to_lowercase()
        distinct = pl.DataFrame({"key": keys, "name": names}).drop_nulls().unique("key", keep="first",
                                                                                   maintain_order=True)
        new = distinct.filter(~pl.col("key").is_in(list(outcome.resolved)))
        if new.height:
            found = session.lookup_references(account_id, outcome.field.target_module or "",
                                              new.get_column("key").to_list())
            missing = []
            for key, name in new.iter_rows():  # distinct names only, not rows
                ids = found.get(key, [])
                if len(ids) == 1:
                    outcome.resolved[key] = ids[0]
                elif len(ids) > 1:
                    outcome.ambiguous[key] = name
                else:
                    missing.append((key, name))
            if missing and create_missing:
                ids = _create_targets(session, account_id, outcome, missing, job_id, now)
                created.extend((rid, outcome.field.target_module or "") for rid in ids)
            elif missing:
                outcome.unresolved.update(missing)
        mapping = pl.DataFrame({"key": list(outcome.resolved), "id": list(outcome.resolved.values())},
                               schema={"key": pl.String, "id": pl.String})
        ids = pl.DataFrame({"key": keys}).join(mapping, on="key", how="left", maintain_order="left").get_column("id")
        values = values.with_columns(ids.alias(slug))
    return values, created


def _create_targets(session: StoreSession, account_id: str, outcome: ReferenceOutcome,
                    missing: list[tuple[str, str]], job_id: str | None, now: datetime) -> list[str]:
    target = outcome.field.target_module or ""
    ids = new_record_ids(len(missing))
    outcome.resolved.update({key: rid for (key, _), rid in zip(missing, ids, strict=True)})
    outcome.created.extend(ids)
    if job_id is None:  # a dry run counts what would be created and writes nothing
        return []
    records = pl.DataFrame({"record_id": ids, "module": target,
                            "data": [_target_document(target, n.strip()) for _, n in missing]})
    session.insert_records(account_id, records, job_id, now)
    return ids


def _target_document(target: str, name: str) -> str:
    doc: dict = {"displayName": name}
    if target == "accounts" and (m := _DOMAIN.match(name)):
        doc["domain"] = m.group(1).lower()
    if target == "contacts" and _EMAIL.match(name):
        doc["email"] = [{"value": name, "type": "Work"}]
    return json.dumps(doc)
