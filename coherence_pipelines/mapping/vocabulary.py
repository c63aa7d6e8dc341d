"""The header vocabulary of synonyms.yaml, loaded once and tokenised like the headers it is matched to.

Headers and phrases go through the same `Vocabulary.tokens`: `normalize` (text.py), then runs of single
letters joined ("C.P." -> "cp", "B.P." -> "bp") and lone ones dropped ("Weiteres/r", "l'adresse"),
compounds split when both halves are known words ("Autotelefon" -> "auto telefon", "E-mailadres" ->
"email adres", "Werkadres" -> "werk adres"), and an inflected qualifier reduced to the listed form
("geschäftliche" -> "geschaftlich", "privaten" -> "privat").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from coherence_pipelines.mapping.text import normalize

SYNONYM_CONFIDENCE = 0.95
MIN_COMPOUND_PART = 3


def _raw_words(raw: Any) -> set[str]:
    """Every word of every phrase below `raw`, normalised but not yet split (the known words)."""
    words: set[str] = set()
    if isinstance(raw, str):
        words.update(t for t in normalize(raw).split() if len(t) > 1)
    elif isinstance(raw, dict):
        for key, value in raw.items():
            words |= _raw_words(key) | _raw_words(value)
    elif isinstance(raw, list):
        for item in raw:
            words |= _raw_words(item)
    return words


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it is cached
class Vocabulary:
    fields: dict[str, dict[str, float]]                 # field slug -> phrase -> confidence
    modules: dict[str, dict[str, dict[str, float]]]     # module slug -> field slug -> phrases
    types: dict[str, dict[str, float]]                  # data type -> phrases
    qualifiers: dict[str, str]                          # word -> qualifier class ("work", "mobile", ...)
    value_types: dict[str, dict[str, tuple[str, ...]]]  # data type -> class -> value types, first present wins
    specific_classes: frozenset[str]
    address_parts: dict[str, dict[str, float]]          # part -> phrases
    containers: frozenset[str]
    preferred_sets: frozenset[str]
    address_ignore: frozenset[str]
    none_phrases: frozenset[str]
    block_words: frozenset[str]
    id_words: frozenset[str]
    id_phrases: frozenset[str]
    type_holders: frozenset[str]
    custom_words: frozenset[str]
    entity_prefixes: dict[str, str]                     # word -> module slug whose records it names
    wrapper_prefixes: frozenset[str]
    opt_out_subjects: frozenset[str]
    harmless: frozenset[str]
    filler: frozenset[str]
    bare_names: frozenset[str]
    opt_in: frozenset[str]
    opt_out: frozenset[str]
    known: frozenset[str] = field(repr=False)
    heads: tuple[str, ...] = field(repr=False)

    def tokens(self, text: str) -> tuple[str, ...]:
        return _tokens(self, text)

    def phrase(self, text: str) -> str:
        return " ".join(self.tokens(text))


_INFLECTIONS = ("en", "er", "es", "e", "n", "s")


@lru_cache(maxsize=65536)
def _tokens(voc: Vocabulary, text: str) -> tuple[str, ...]:
    out: list[str] = []
    for tok in _join_letters(normalize(text).split()):
        if len(tok) == 1 and not tok.isdigit():
            continue
        out.extend(_base_form(voc, part) for part in _split_compound(voc, tok))
    return tuple(out)


def _join_letters(words: list[str]) -> list[str]:
    """"c p" -> "cp": abbreviations written with dots ("C.P.", "B.P.") stay one word."""
    out: list[str] = []
    run = ""
    for w in [*words, ""]:
        if len(w) == 1 and w.isalpha():
            run += w
            continue
        if run:
            out.append(run)
            run = ""
        if w:
            out.append(w)
    return out


def _base_form(voc: Vocabulary, tok: str) -> str:
    if tok in voc.known or not voc.qualifiers:
        return tok
    for ending in _INFLECTIONS:
        stem = tok[: -len(ending)]
        if tok.endswith(ending) and len(stem) >= MIN_COMPOUND_PART and stem in voc.qualifiers:
            return stem
    return tok


def clear_token_cache() -> None:
    _tokens.cache_clear()


def _split_compound(voc: Vocabulary, tok: str) -> tuple[str, ...]:
    if len(tok) < 2 * MIN_COMPOUND_PART:
        return (tok,)
    for head in voc.heads:
        if tok == head:
            return (tok,)
        if tok.endswith(head):
            rest = tok[: -len(head)]
            if len(rest) >= MIN_COMPOUND_PART and rest in voc.known:
                return (rest, head)
        if tok.startswith(head) and head in ("email", "mail"):
            rest = tok[len(head):]
            if len(rest) >= MIN_COMPOUND_PART and rest in voc.known:
                return (head, rest)
    return (tok,)


def _phrases(voc: Vocabulary, raw: dict[str, Any] | None) -> dict[str, float]:
    """`{synonyms: [...], weak: {phrase: conf}}` -> {phrase: confidence}."""
    out: dict[str, float] = {}
    if not raw:
        return out
    for phrase in raw.get("synonyms", []) or []:
        norm = voc.phrase(phrase)
        if norm:
            out[norm] = max(out.get(norm, 0.0), SYNONYM_CONFIDENCE)
    for phrase, conf in (raw.get("weak", {}) or {}).items():
        norm = voc.phrase(phrase)
        if norm:
            out[norm] = float(conf)  # a weak entry overrides a plain one on purpose
    return out


def _words(voc: Vocabulary, raw: list[str] | None) -> frozenset[str]:
    if any(not isinstance(x, str) for x in raw or []):
        raise ValueError(f"synonyms.yaml: quote the words YAML reads as booleans or numbers: {raw}")
    return frozenset(w for w in (voc.phrase(x) for x in raw or []) if w)


@cache
def vocabulary() -> Vocabulary:
    source = resources.files("coherence_pipelines.mapping").joinpath("synonyms.yaml")
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    address = raw.get("address", {}) or {}
    # A bootstrap vocabulary that only knows the words and the compound heads: enough to tokenise.
    heads = tuple(sorted((normalize(h) for h in raw.get("compound_heads", [])), key=len, reverse=True))
    empty: frozenset[str] = frozenset()
    boot = Vocabulary({}, {}, {}, {}, {}, empty, {}, empty, empty, empty, empty, empty, empty, empty, empty,
                      empty, {}, empty, empty, empty, empty, empty, empty, empty, known=frozenset(_raw_words(raw)),
                      heads=heads)
    qualifiers: dict[str, str] = {}
    for cls, words in (raw.get("qualifiers") or {}).items():
        for w in words:
            for tok in boot.tokens(w):
                qualifiers.setdefault(tok, cls)
    value_types = {dtype: {cls: tuple(types) for cls, types in by_class.items()}
                   for dtype, by_class in (raw.get("value_types") or {}).items()}
    filler = _words(boot, raw.get("filler_words"))
    return Vocabulary(
        fields={slug: _phrases(boot, entry) for slug, entry in (raw.get("fields") or {}).items()},
        modules={mod: {slug: _phrases(boot, entry) for slug, entry in (fields or {}).items()}
                 for mod, fields in (raw.get("modules") or {}).items()},
        types={dtype: _phrases(boot, entry) for dtype, entry in (raw.get("types") or {}).items()},
        qualifiers=qualifiers,
        value_types=value_types,
        specific_classes=frozenset(raw.get("specific_classes") or ()),
        address_parts={part: _phrases(boot, entry) for part, entry in (address.get("parts") or {}).items()},
        containers=_words(boot, address.get("containers")),
        preferred_sets=frozenset(address.get("preferred") or ()),
        # compared with headers whose filler words are gone ("House number of Address" -> "house")
        address_ignore=frozenset(" ".join(t for t in p.split() if t not in filler)
                                 for p in _words(boot, address.get("ignore"))),
        none_phrases=_words(boot, raw.get("none_phrases")),
        block_words=_words(boot, raw.get("block_words")),
        id_words=_words(boot, raw.get("id_words")),
        id_phrases=_words(boot, raw.get("id_phrases")),
        type_holders=_words(boot, raw.get("type_holder_words")),
        custom_words=_words(boot, raw.get("custom_words")),
        entity_prefixes={w: module for module, words in (raw.get("entity_prefixes") or {}).items()
                         for w in _words(boot, words)},
        wrapper_prefixes=_words(boot, raw.get("wrapper_prefixes")),
        opt_out_subjects=_words(boot, raw.get("opt_out_subjects")),
        harmless=_words(boot, raw.get("harmless_extra_words")),
        filler=filler,
        bare_names=_words(boot, raw.get("bare_name_words")),
        opt_in=_words(boot, raw.get("opt_in_words")),
        opt_out=_words(boot, raw.get("opt_out_words")),
        known=boot.known,
        heads=heads,
    )
