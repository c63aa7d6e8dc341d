"""The header vocabulary of synonyms.yaml, loaded once and normalised like the headers it is matched to."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from coherence_pipelines.mapping.text import normalize

SYNONYM_CONFIDENCE = 0.95


def _phrases(raw: dict[str, Any] | None) -> dict[str, float]:
    """`{synonyms: [...], weak: {phrase: conf}}` -> {normalised phrase: confidence}."""
    out: dict[str, float] = {}
    if not raw:
        return out
    for phrase in raw.get("synonyms", []) or []:
        norm = normalize(phrase)
        if norm:
            out[norm] = max(out.get(norm, 0.0), SYNONYM_CONFIDENCE)
    for phrase, conf in (raw.get("weak", {}) or {}).items():
        norm = normalize(phrase)
        if norm:
            out[norm] = float(conf)  # a weak entry overrides a plain one on purpose
    return out


def _words(raw: list[str] | None) -> frozenset[str]:
    return frozenset(w for w in (normalize(x) for x in raw or []) if w)


def _typed_words(raw: dict[str, dict[str, list[str]]] | None) -> dict[str, dict[str, str]]:
    """{data type: {value type: [words]}} -> {data type: {normalised word: value type}}."""
    out: dict[str, dict[str, str]] = {}
    for dtype, by_type in (raw or {}).items():
        table: dict[str, str] = {}
        for value_type, words in by_type.items():
            for w in words:
                norm = normalize(w)
                if norm and norm not in table:
                    table[norm] = value_type
        out[dtype] = table
    return out


@dataclass(frozen=True)
class Vocabulary:
    fields: dict[str, dict[str, float]]                 # field slug -> phrases
    modules: dict[str, dict[str, dict[str, float]]]     # module slug -> field slug -> phrases
    types: dict[str, dict[str, float]]                  # data type -> phrases
    value_types: dict[str, dict[str, str]]              # data type -> word -> value type
    standalone_value_types: dict[str, dict[str, str]]   # data type -> phrase -> value type
    address_parts: dict[str, dict[str, float]]          # part -> phrases
    address_prefixes: frozenset[str]
    preferred_prefixes: frozenset[str]
    harmless: frozenset[str]
    filler: frozenset[str]
    id_words: frozenset[str]
    type_holders: frozenset[str]
    bare_names: frozenset[str]
    opt_in: frozenset[str]
    opt_out: frozenset[str]


@cache
def vocabulary() -> Vocabulary:
    source = resources.files("coherence_pipelines.mapping").joinpath("synonyms.yaml")
    text = source.read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    address = raw.get("address", {}) or {}
    return Vocabulary(
        fields={slug: _phrases(entry) for slug, entry in (raw.get("fields") or {}).items()},
        modules={mod: {slug: _phrases(entry) for slug, entry in (fields or {}).items()}
                 for mod, fields in (raw.get("modules") or {}).items()},
        types={dtype: _phrases(entry) for dtype, entry in (raw.get("types") or {}).items()},
        value_types=_typed_words(raw.get("value_types")),
        standalone_value_types=_typed_words(raw.get("standalone_value_types")),
        address_parts={part: _phrases(entry) for part, entry in (address.get("parts") or {}).items()},
        address_prefixes=_words(address.get("prefixes")),
        preferred_prefixes=_words(address.get("preferred_prefixes")),
        harmless=_words(raw.get("harmless_extra_words")),
        filler=_words(raw.get("filler_words")),
        id_words=_words(raw.get("id_words")),
        type_holders=_words(raw.get("type_holder_words")),
        bare_names=_words(raw.get("bare_name_words")),
        opt_in=_words(raw.get("opt_in_words")),
        opt_out=_words(raw.get("opt_out_words")),
    )
