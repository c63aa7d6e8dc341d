"""Mapping memory: the mappings an account's imports used, and its named templates, given back first.

A file whose headers equal (case and spaces aside) those of a mapping saved by an executed import gets
that mapping at confidence 0.99; a file whose headers overlap one by at least SIMILAR_HEADERS (Jaccard)
gets it for the shared columns at 0.95, and fresh suggestions for its new columns. Either way the answer
says which columns drifted (missing from the file, or new in it) and the encoding, delimiter and date
order the saved import used. A named template applies the same way when it is asked for by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coherence_pipelines.errors import InvalidMapping
from coherence_pipelines.execution.column_mapping import ColumnMapping
from coherence_pipelines.execution.jobs import iso
from coherence_pipelines.mapping.suggest import THRESHOLD, Suggestion, suggest_mapping
from coherence_pipelines.modules.fields import ModuleDef
from coherence_pipelines.store.base import StoreSession

SIMILAR_HEADERS = 0.6
EXACT_CONFIDENCE = 0.99
SIMILAR_CONFIDENCE = 0.95
RECENT_MAPPINGS = 50


@dataclass
class Recalled:
    """A remembered mapping and how it relates to the file at hand."""

    kind: str  # exact | similar | template
    column_mapping: list[dict[str, Any]]  # laid on the file's own header spellings
    headers: list[str]
    similarity: float
    missing_columns: list[str] = field(default_factory=list)
    new_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    date_order: str | None = None
    import_job_id: str | None = None
    saved_at: datetime | None = None
    template_name: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {"kind": self.kind, "templateName": self.template_name, "importJobId": self.import_job_id,
                "savedDateTime": iso(self.saved_at), "headerSimilarity": round(self.similarity, 3),
                "missingColumns": self.missing_columns, "newColumns": self.new_columns,
                "encoding": self.encoding, "delimiter": self.delimiter, "dateOrder": self.date_order}

    def warnings(self) -> list[str]:
        source = f"template {self.template_name!r}" if self.template_name else "the saved mapping"
        out = [f"Column {c!r} of {source} is not in this file" for c in self.missing_columns]
        out += [f"Column {c!r} is new since {source}: its mapping is a fresh suggestion" for c in self.new_columns]
        return out


@dataclass
class MappingChoice:
    suggestions: list[Suggestion]  # one per source column, in file order
    recalled: Recalled | None

    @property
    def column_mapping(self) -> list[dict[str, Any]]:
        """The mapped columns, as an import takes them."""
        return [ColumnMapping(s.source_column, s.target_field_slug, value_type=s.value_type,
                              address_part=s.address_part).to_api() for s in self.suggestions if s.target_field_slug]

    @property
    def source(self) -> str:
        return f"{self.recalled.kind} saved mapping" if self.recalled else "suggested"


def _key(header: str) -> str:
    return str(header).strip().lower()


def recall(session: StoreSession, account_id: str, module: str, headers: list[str],
           template: str | None = None) -> Recalled | None:
    """The template named, else the saved mapping closest to these headers (None below SIMILAR_HEADERS)."""
    mine = {_key(h) for h in headers}
    if template is not None:
        found = next((t for t in session.mapping_templates(account_id, module) if t["name"] == template), None)
        if found is None:
            raise InvalidMapping(f"No mapping template named {template!r} for module {module!r}")
        return _laid_on(found, headers, "template", _similarity(mine, found["headers"]), template_name=template)
    best, best_score = None, 0.0
    for saved in session.recent_mappings(account_id, module, RECENT_MAPPINGS):
        score = _similarity(mine, saved["headers"])
        if score > best_score:
            best, best_score = saved, score
    if best is None or best_score < SIMILAR_HEADERS:
        return None
    return _laid_on(best, headers, "exact" if best_score == 1.0 else "similar", best_score)


def choose_mapping(session: StoreSession, account_id: str, module: ModuleDef, headers: list[str],
                   samples: list[dict[str, Any]] | None, template: str | None = None) -> MappingChoice:
    """Remembered mapping first, fresh suggestions for what it does not cover."""
    recalled = recall(session, account_id, module.slug, headers, template)
    fresh = suggest_mapping(module, headers, samples)
    if recalled is None:
        return MappingChoice(fresh, None)
    confidence = SIMILAR_CONFIDENCE if recalled.kind == "similar" else EXACT_CONFIDENCE
    remembered = {_key(m["sourceColumn"]): m for m in recalled.column_mapping}
    known = {_key(h) for h in recalled.headers}
    taken = {m.get("targetFieldSlug") for m in recalled.column_mapping if _single(module, m)}
    out = []
    for s in fresh:
        key = _key(s.source_column)
        if key in remembered:
            m = remembered[key]
            out.append(Suggestion(s.source_column, m.get("targetFieldSlug"), confidence, m.get("valueType"),
                                  m.get("addressPart")))
        elif key in known:
            # The saved import had this column and left it unmapped: that was a choice.
            out.append(Suggestion(s.source_column, None, 0.0))
        elif s.target_field_slug in taken:
            out.append(Suggestion(s.source_column, None, min(s.confidence, THRESHOLD - 0.01)))
        else:
            out.append(s)
    return MappingChoice(out, recalled)


def _single(module: ModuleDef, m: dict[str, Any]) -> bool:
    f = module.field(m.get("targetFieldSlug") or "")
    return f is not None and not f.multi_value and not f.is_address


def _similarity(mine: set[str], theirs: list[str]) -> float:
    other = {_key(h) for h in theirs}
    union = mine | other
    return len(mine & other) / len(union) if union else 0.0


def _laid_on(saved: dict[str, Any], headers: list[str], kind: str, similarity: float,
             template_name: str | None = None) -> Recalled:
    actual = {_key(h): h for h in headers}
    mapping = [{**m, "sourceColumn": actual[_key(m["sourceColumn"])]} for m in saved["column_mapping"]
               if _key(m["sourceColumn"]) in actual and not m.get("ignored") and m.get("targetFieldSlug")]
    saved_keys = {_key(h) for h in saved["headers"]}
    return Recalled(
        kind=kind, column_mapping=mapping, headers=list(saved["headers"]), similarity=similarity,
        missing_columns=[h for h in saved["headers"] if _key(h) not in actual],
        new_columns=[h for h in headers if _key(h) not in saved_keys],
        encoding=saved.get("encoding"), delimiter=saved.get("delimiter"), date_order=saved.get("date_order"),
        import_job_id=saved.get("import_job_id"), saved_at=saved.get("saved_at") or saved.get("updated_at"),
        template_name=template_name)
