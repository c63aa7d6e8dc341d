"""Mapping suggestions: one target field (or none) per source column, with a confidence.

Per column: header candidates (header_matching), adjusted by what the sample values look like and
joined by what the values alone suggest (value_sniffing). A column with no value while others have
some is a weaker candidate (x0.9): when two columns could fill a field, the one with values wins. A lone
qualifier ("Ufficio", "Particular") is a phone of that type when its values are phone numbers, and so is
its numbered sibling ("Ufficio 2") beside it. Then, across the file:

- a lone "Name"/"Nom"/"Nombre" next to a first-name column (and no last-name column) is the last name,
  next to a last-name column (and no first-name column) the first name;
- a number after an address word is a street line unless its columns hold other parts ("Home Address 2"
  is the second line, "Address 2 - City" a second address);
- of several address sets, one maps to the address field: among the sets of two parts or more, one with
  values, unprefixed before billing/mailing/business/primary before the others, then the first seen; a
  word the vocabulary does not know names a set only if two parts or more share it ("POCity", "POZip");
  single parts may fill the chosen set's gaps ("Billing Street, Billing City, Country"); a column that
  reads as an address part is an address part or nothing;
- conflicts are resolved greedily, best confidence first: a single-value field takes one column, an
  address one column per part, an email or phone field every column (the second untyped one is "Other");
  a loser takes its next candidate above the threshold, or none.

Confidence: 0.98 exact label/slug, 0.95 synonym, lower for weak, qualified, partial or fuzzy matches,
raised a little when the values confirm the field, lowered when they contradict it. Below THRESHOLD
(0.6) nothing is suggested; the suggestion then carries the best score seen below it, or 0.

A plain "Phone" or "Email" gets no value type: the field's default (the first listed) applies later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from coherence_pipelines.mapping.address_parts import LEARNED_SET_PREFIX
from coherence_pipelines.mapping.field_index import Candidate, ModuleIndex, module_index, module_signature
from coherence_pipelines.mapping.header_matching import match_header
from coherence_pipelines.mapping.value_sniffing import (
    MAX_VALUES,
    ValueProfile,
    adjust,
    confirm_typeword,
    profile_values,
    value_candidates,
)
from coherence_pipelines.mapping.vocabulary import vocabulary
from coherence_pipelines.modules.fields import MULTI_VALUE_TYPES, ModuleDef

THRESHOLD = 0.6
BARE_NAME_CONFIDENCE = 0.9
GAP_FILL_FACTOR = 0.9       # an unprefixed address part joining a prefixed set
EMPTY_FACTOR = 0.9          # a column without values, when others have some
OTHER_FACTOR = 0.97         # a second untyped email or phone, typed "Other"
SIBLING_CONFIDENCE = 0.75   # "Ufficio 2" beside an "Ufficio" full of phone numbers


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


def _with_values(index: ModuleIndex, cands: list[Candidate], profile: ValueProfile | None,
                 blocked: str | None) -> list[Candidate]:
    """The header's candidates in the light of the column's values, and what the values alone suggest."""
    out = []
    for c in cands:
        info = index.fields[c.field]
        if c.source == "typeword":
            if profile is None or not profile.count or confirm_typeword(c, profile, info):
                out.append(c)  # unconfirmed ones stay below the threshold, for _numbered_siblings
            continue
        if profile is not None and profile.known:
            c.confidence = adjust(c.confidence, profile, info, c.field)
        out.append(c)
    if blocked is None and profile is not None and profile.known:
        out = _merge(out, value_candidates(profile, index))
    return out


def _numbered_siblings(per_column: list[list[Candidate]], stems: list[str]) -> None:
    """"Ufficio 2" means what "Ufficio" was shown to mean by its values (a phone of that type)."""
    confirmed = {stems[i]: c for i, cands in enumerate(per_column) for c in cands
                 if c.source == "typeword" and c.confidence >= THRESHOLD}
    for i, cands in enumerate(per_column):
        sure = confirmed.get(stems[i])
        for c in cands:
            if c.source == "typeword" and c.confidence < THRESHOLD and sure is not None and c.key == sure.key:
                c.confidence = SIBLING_CONFIDENCE
        per_column[i] = _sort(cands)


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


def _best_address(cands: list[Candidate]) -> Candidate | None:
    return next((c for c in cands if c.address_part is not None and c.confidence >= THRESHOLD), None)


def _street_lines(per_column: list[list[Candidate]]) -> None:
    """"Address 2" is a second street line unless its group holds other parts ("Address 2 - City")."""
    parts: dict[tuple, set[str]] = {}
    for cands in per_column:
        best = _best_address(cands)
        if best is not None and best.set_number is not None:
            parts.setdefault((best.address_set, best.set_number), set()).add(best.address_part)
    for i, cands in enumerate(per_column):
        kept = []
        for c in cands:
            if c.address_part is not None and c.set_number is not None:
                group = parts.get((c.address_set, c.set_number), {c.address_part})
                if group <= {"street"}:
                    if c.set_number >= 3:
                        continue  # a third street line has no place
                    c.address_part = "street2" if c.set_number == 2 else "street"
                    c.set_number = None
            kept.append(c)
        per_column[i] = _sort(kept)


def _set_rank(key: tuple) -> int:
    address_set, number = key
    if address_set is None and number is None:
        return 0
    if address_set in vocabulary().preferred_sets or (address_set is None and number is not None):
        return 1
    return 2


def _learned(key: tuple) -> bool:
    return key[0] is not None and key[0].startswith(LEARNED_SET_PREFIX)


def _address_sets(per_column: list[list[Candidate]], has_values: list[bool] | None) -> None:
    _street_lines(per_column)
    sets: dict[tuple, dict] = {}
    for i, cands in enumerate(per_column):
        best = _best_address(cands)
        if best is None or cands[0].address_part is None:
            continue
        info = sets.setdefault((best.address_set, best.set_number), {"parts": set(), "values": False, "first": i})
        info["parts"].add(best.address_part)
        info["values"] |= has_values is None or has_values[i]
    # a set named by an unknown word is one only if two parts or more share the word ("POCity", "POCountry")
    sets = {k: v for k, v in sets.items() if not _learned(k) or len(v["parts"]) >= 2}
    real = {k: v for k, v in sets.items() if len(v["parts"]) >= 2} or sets
    chosen = min(real, key=lambda k: (not real[k]["values"], _set_rank(k), real[k]["first"])) if real else None
    # a lone part ("Country", "HQ Address") may fill a gap of the chosen set
    fillers = {k for k, v in sets.items() if k == (None, None) or len(v["parts"]) == 1}
    for i, cands in enumerate(per_column):
        top = cands[0] if cands else None
        reads_as_address = top is not None and top.address_part is not None and top.confidence >= THRESHOLD
        kept = []
        for c in cands:
            if c.address_part is not None and (c.address_set, c.set_number) != chosen:
                if (c.address_set, c.set_number) not in fillers:
                    continue
                c.confidence *= GAP_FILL_FACTOR
            elif c.address_part is None and reads_as_address:
                continue  # "Estado" beside the address columns is the state, or nothing
            kept.append(c)
        per_column[i] = _sort(kept)


def _resolve(module: ModuleDef, per_column: list[list[Candidate]]) -> list[Candidate | None]:
    index = module_index(module)
    pairs = sorted(((c.confidence, col, rank, c) for col, cands in enumerate(per_column)
                    for rank, c in enumerate(cands) if c.confidence >= THRESHOLD),
                   key=lambda p: (-p[0], p[1], p[2]))
    taken: set[tuple] = set()
    untyped: set[str] = set()
    chosen: list[Candidate | None] = [None] * len(per_column)
    for _conf, col, _rank, cand in pairs:
        if chosen[col] is not None:
            continue
        info = index.fields[cand.field]
        if info.data_type in MULTI_VALUE_TYPES:
            if cand.value_type is None:
                if cand.field in untyped:
                    other = "Other" if "Other" in info.value_types else None
                    cand = replace(cand, value_type=other, confidence=cand.confidence * OTHER_FACTOR)
                else:
                    untyped.add(cand.field)
        else:
            key = (cand.field, cand.address_part)
            if key in taken:
                continue
            taken.add(key)
        chosen[col] = cand
    return chosen


def suggest_mapping(module: ModuleDef, source_columns: list[str],
                    sample_rows: list[dict] | None = None) -> list[Suggestion]:
    """One Suggestion per source column, in the order given."""
    index = module_index(module)
    signature = module_signature(module)
    rows = [r for r in (sample_rows or [])[:MAX_VALUES] if isinstance(r, dict)]
    profiles = [profile_values([r.get(column) for r in rows]) for column in source_columns] if rows else []
    any_values = any(p.count for p in profiles)
    per_column: list[list[Candidate]] = []
    bare: list[bool] = []
    stems: list[str] = []
    for i, column in enumerate(source_columns):
        result = match_header(module, str(column), signature)
        cands = [replace(c) for c in result.candidates]  # the header result is cached: copy before changing
        profile = profiles[i] if profiles else None
        cands = _with_values(index, cands, profile, result.blocked)
        if any_values and profile is not None and profile.count == 0:
            for c in cands:
                c.confidence *= EMPTY_FACTOR
        per_column.append(_sort(cands))
        bare.append(result.bare_name)
        stems.append("".join(ch for ch in result.normalized if not ch.isdigit()).strip())
    _numbered_siblings(per_column, stems)
    _bare_names(module, per_column, bare)
    _address_sets(per_column, [p.count > 0 for p in profiles] if any_values else None)
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
