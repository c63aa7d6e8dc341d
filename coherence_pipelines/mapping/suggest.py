"""Mapping suggestions: one target field (or none) per source column, with a confidence.

Per column: header candidates (header_matching), adjusted by what the sample values look like and
joined by what the values alone suggest (value_sniffing). Then, across the file:

- a lone "Name"/"Nom"/"Nombre" next to a first-name column (and no last-name column) is the last name,
  next to a last-name column (and no first-name column) the first name;
- of several address sets ("Billing ...", "Shipping ..."), one maps to the address field: the first
  seen that is unprefixed or billing/mailing/business (else the first seen); unprefixed parts may fill
  its gaps ("Billing Street, Billing City, Country");
- conflicts are resolved greedily, best confidence first: a single-value field takes one column, a
  multi-value field one column per value type (a second untyped one becomes "Other"), an address one
  column per part; a loser takes its next candidate above the threshold, or none.

Confidence: 0.98 exact label/slug, 0.95 synonym, lower for weak, qualified, partial or fuzzy matches,
raised a little when the values confirm the field, lowered (x0.55) when they contradict it. Below
THRESHOLD (0.6) nothing is suggested; the suggestion then carries the best score seen below it, or 0.

A plain "Phone" or "Email" gets no value type: the field's default (the first listed) applies later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from coherence_pipelines.mapping.header_matching import Candidate, match_header, module_index, module_signature
from coherence_pipelines.mapping.value_sniffing import MAX_VALUES, adjust, profile_values, value_candidates
from coherence_pipelines.mapping.vocabulary import vocabulary
from coherence_pipelines.modules.fields import MULTI_VALUE_TYPES, ModuleDef

THRESHOLD = 0.6
BARE_NAME_CONFIDENCE = 0.9
GAP_FILL_FACTOR = 0.9   # an unprefixed address part joining a prefixed set


@dataclass(frozen=True)
class Suggestion:
    source_column: str
    target_field_slug: str | None
    confidence: float
    value_type: str | None = None
    address_part: str | None = None

    def to_api(self) -> dict:
        out: dict = {"sourceColumn": self.source_column, "targetFieldSlug": self.target_field_slug,
                     "confidence": self.confidence}
        if self.value_type is not None:
            out["valueType"] = self.value_type
        if self.address_part is not None:
            out["addressPart"] = self.address_part
        return out


def _merge(cands: list[Candidate], extra: list[Candidate]) -> list[Candidate]:
    by_key = {c.key: c for c in cands}
    for c in extra:
        old = by_key.get(c.key)
        if old is None or c.confidence > old.confidence:
            by_key[c.key] = c
    return list(by_key.values())


def _sort(cands: list[Candidate]) -> list[Candidate]:
    return sorted(cands, key=lambda c: (-c.confidence, c.source != "header"))


def _top(cands: list[Candidate]) -> Candidate | None:
    return cands[0] if cands and cands[0].confidence >= THRESHOLD else None


def _bare_names(module: ModuleDef, per_column: list[list[Candidate]], bare: list[bool]) -> None:
    if not (module.has_field("firstName") and module.has_field("lastName")):
        return
    tops = [_top(c) for i, c in enumerate(per_column) if not bare[i]]
    has_first = any(t is not None and t.field == "firstName" for t in tops)
    has_last = any(t is not None and t.field == "lastName" for t in tops)
    if has_first == has_last:
        return
    wanted = "lastName" if has_first else "firstName"
    for i, cands in enumerate(per_column):
        top = _top(cands)
        if bare[i] and top is not None and top.field == "displayName":
            for c in cands:
                if c.field == "displayName":
                    c.confidence *= 0.75
            per_column[i] = _sort(_merge(cands, [Candidate(wanted, BARE_NAME_CONFIDENCE)]))


def _address_sets(per_column: list[list[Candidate]]) -> None:
    preferred = vocabulary().preferred_prefixes
    seen = [top.address_set for top in (_top(c) for c in per_column)
            if top is not None and top.address_part is not None]
    if not seen:
        return
    chosen = next((s for s in seen if s is None or s in preferred), seen[0])
    for i, cands in enumerate(per_column):
        kept = []
        for c in cands:
            if c.address_part is not None and c.address_set != chosen:
                if c.address_set is not None:
                    continue
                c.confidence *= GAP_FILL_FACTOR
            kept.append(c)
        per_column[i] = _sort(kept)


def _resolve(module: ModuleDef, per_column: list[list[Candidate]]) -> list[Candidate | None]:
    index = module_index(module)
    pairs = sorted(((c.confidence, col, rank, c) for col, cands in enumerate(per_column)
                    for rank, c in enumerate(cands) if c.confidence >= THRESHOLD),
                   key=lambda p: (-p[0], p[1], p[2]))
    taken: set[tuple] = set()
    chosen: list[Candidate | None] = [None] * len(per_column)
    for _conf, col, _rank, cand in pairs:
        if chosen[col] is not None:
            continue
        info = index.fields[cand.field]
        multi = info.data_type in MULTI_VALUE_TYPES
        key = cand.key if (multi or cand.address_part) else (cand.field,)
        if key in taken:
            other = (cand.field, "Other", None)
            if not (multi and cand.value_type is None and "Other" in info.value_types and other not in taken):
                continue
            cand, key = replace(cand, value_type="Other"), other
        taken.add(key)
        chosen[col] = cand
    return chosen


def suggest_mapping(module: ModuleDef, source_columns: list[str],
                    sample_rows: list[dict] | None = None) -> list[Suggestion]:
    """One Suggestion per source column, in the order given."""
    index = module_index(module)
    signature = module_signature(module)
    rows = [r for r in (sample_rows or [])[:MAX_VALUES] if isinstance(r, dict)]
    per_column: list[list[Candidate]] = []
    bare: list[bool] = []
    for column in source_columns:
        result = match_header(module, str(column), signature)
        cands = [replace(c) for c in result.candidates]  # the header result is cached: copy before changing
        if rows:
            profile = profile_values([r.get(column) for r in rows])
            if profile.known:
                for c in cands:
                    c.confidence = adjust(c.confidence, profile, index.fields[c.field], c.field)
                if result.blocked != "type":
                    cands = _merge(cands, value_candidates(profile, index))
        per_column.append(_sort(cands))
        bare.append(result.bare_name)
    _bare_names(module, per_column, bare)
    _address_sets(per_column)
    chosen = _resolve(module, per_column)
    out: list[Suggestion] = []
    for column, cands, pick in zip(source_columns, per_column, chosen, strict=True):
        if pick is None:
            below = [c.confidence for c in cands if c.confidence < THRESHOLD]
            out.append(Suggestion(column, None, min(round(max(below, default=0.0), 2), 0.59)))
        else:
            out.append(Suggestion(column, pick.field, round(min(1.0, max(0.0, pick.confidence)), 2),
                                  pick.value_type, pick.address_part))
    return out
