"""Header similarity: what a column's header says about the field it belongs to.

Per module, an index of normalised phrases (each field's label, its slug split at camelCase, and the
synonyms of synonyms.yaml) is built once. A header is then scored, best first, by:

1. an exact phrase (label/slug 0.98, synonym 0.95, weak synonym as listed);
2. a value-type word plus an exact phrase of a multi-value field ("Work Phone", "E-Mail privat");
3. an address-set prefix or suffix plus an address part ("MailingCity", "Ville de facturation");
4. a phrase whose words all occur in the header, the other words harmless ("Primary Email": 0.8-0.85);
5. a fuzzy match (rapidfuzz token_sort_ratio >= 80, headers of 6+ characters): 0.6 at 80 .. 0.9 at 100.
(4 and 5 only when the header is no exact phrase: "Country" must not also be a fuzzy "County".)

A second try drops digits and filler words ("E-mail 1 - Value" -> "email") at 0.97 of the score.
Headers naming a type or label ("Phone 1 - Type") or an internal id ("Record ID") get no header match.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz import fuzz, process

from coherence_pipelines.mapping.text import normalize
from coherence_pipelines.mapping.vocabulary import SYNONYM_CONFIDENCE, vocabulary
from coherence_pipelines.modules.fields import MULTI_VALUE_TYPES, ModuleDef

LABEL_CONFIDENCE = 0.98
ADDRESS_LABEL_CONFIDENCE = 0.85   # "Address" alone: most likely the street line (or a whole address)
STANDALONE_CONFIDENCE = 0.93      # "Mobile", "Cell", "Handy"
QUALIFIED_FACTOR = 0.98           # "Work Phone": the phrase's score times this
PREFIXED_FACTOR = 0.97            # "Billing City"
STRIPPED_FACTOR = 0.97            # the second try without digits and filler words
SUBSET_MULTI = 0.85               # a several-word phrase inside a longer header
SUBSET_SINGLE = 0.8               # a one-word phrase inside a longer header
SUBSET_STEP = 0.05                # less per further extra word
FUZZY_CUTOFF = 80.0
FUZZY_MIN_LENGTH = 6


@dataclass(frozen=True)
class Target:
    field: str
    value_type: str | None = None
    address_part: str | None = None


@dataclass
class Candidate:
    field: str
    confidence: float
    value_type: str | None = None
    address_part: str | None = None
    address_set: str | None = None   # the prefix naming the address set ("billing"), None when unprefixed
    source: str = "header"           # "header" or "values"

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        return (self.field, self.value_type, self.address_part)


@dataclass(frozen=True)
class FieldInfo:
    slug: str
    data_type: str
    value_types: tuple[str, ...]
    options: tuple[str, ...]          # normalised
    open_options: bool
    target_module: str | None
    opt_out: bool                     # a boolean that records an opt-out


@dataclass
class ModuleIndex:
    slug: str
    fields: dict[str, FieldInfo]
    exact: dict[str, dict[Target, float]] = field(default_factory=dict)
    phrases: list[str] = field(default_factory=list)
    phrase_tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    by_token: dict[str, list[str]] = field(default_factory=dict)
    fuzzy_choices: list[str] = field(default_factory=list)          # phrases with their words sorted
    fuzzy_phrases: dict[str, list[str]] = field(default_factory=dict)  # sorted form -> phrases

    def add(self, phrase: str, target: Target, conf: float) -> None:
        if not phrase:
            return
        targets = self.exact.setdefault(phrase, {})
        targets[target] = max(targets.get(target, 0.0), conf)

    def finish(self) -> None:
        self.phrases = sorted(self.exact)
        for phrase in self.phrases:
            tokens = frozenset(phrase.split())
            self.phrase_tokens[phrase] = tokens
            for tok in tokens:
                self.by_token.setdefault(tok, []).append(phrase)
            if len(phrase) >= FUZZY_MIN_LENGTH - 1:
                self.fuzzy_phrases.setdefault(" ".join(sorted(phrase.split())), []).append(phrase)
        self.fuzzy_choices = sorted(self.fuzzy_phrases)

    def fields_of_type(self, data_type: str) -> list[str]:
        return [f.slug for f in self.fields.values() if f.data_type == data_type]


@dataclass
class HeaderResult:
    normalized: str
    candidates: list[Candidate]
    blocked: str | None = None        # "type" or "id": the header holds no field's values
    bare_name: bool = False           # a lone "Name"/"Nom"/"Nombre"


def module_signature(module: ModuleDef) -> tuple:
    return (module.slug, tuple((f.slug, f.label, f.data_type, f.value_types, f.options, f.open_options,
                                f.target_module) for f in module.fields))


def module_index(module: ModuleDef) -> ModuleIndex:
    return _build_index(module_signature(module))


@cache
def _build_index(signature: tuple) -> ModuleIndex:
    voc = vocabulary()
    module_slug, field_rows = signature
    infos: dict[str, FieldInfo] = {}
    for slug, label, data_type, value_types, options, open_options, target in field_rows:
        label_n, slug_n = normalize(label), normalize(slug)
        opt_out = data_type == "boolean" and any(
            "opt out" in s or "optout" in s or "unsubscrib" in s for s in (label_n, slug_n))
        infos[slug] = FieldInfo(slug, data_type, tuple(value_types),
                                tuple(normalize(o) for o in options), open_options, target, opt_out)
    index = ModuleIndex(slug=module_slug, fields=infos)
    module_voc = voc.modules.get(module_slug, {})
    for slug, label, data_type, value_types, _options, _open, _target in field_rows:
        if data_type == "address":
            for phrase in (normalize(label), normalize(slug)):
                index.add(phrase, Target(slug, address_part="street"), ADDRESS_LABEL_CONFIDENCE)
            for part, phrases in voc.address_parts.items():
                for phrase, conf in phrases.items():
                    index.add(phrase, Target(slug, address_part=part), conf)
            continue
        target = Target(slug)
        for phrase in (normalize(label), normalize(slug)):
            index.add(phrase, target, LABEL_CONFIDENCE)
        phrases = dict(voc.fields.get(slug, {}))
        phrases.update(module_voc.get(slug, {}))
        if data_type in voc.types:
            for phrase, conf in voc.types[data_type].items():
                phrases.setdefault(phrase, conf)
        for phrase, conf in phrases.items():
            index.add(phrase, target, conf)
        if data_type in MULTI_VALUE_TYPES:
            for phrase, value_type in voc.standalone_value_types.get(data_type, {}).items():
                if value_type in value_types:
                    conf = STANDALONE_CONFIDENCE if value_type != "Fax" else 0.9
                    index.add(phrase, Target(slug, value_type=value_type), conf)
    index.finish()
    return index


def _put(cands: dict, target: Target, conf: float, address_set: str | None = None) -> None:
    key = (target.field, target.value_type, target.address_part)
    old = cands.get(key)
    if old is None or conf > old.confidence:
        cands[key] = Candidate(target.field, conf, target.value_type, target.address_part, address_set)


def _has_word(text: str, words: frozenset[str]) -> bool:
    padded = f" {text} "
    return any(f" {w} " in padded for w in words)


def _qualified(index: ModuleIndex, tokens: list[str], cands: dict, mult: float) -> None:
    """Multi-value fields: a value-type word plus the field's phrase ("Work Phone", "Email (privat)")."""
    voc = vocabulary()
    for data_type in MULTI_VALUE_TYPES:
        slugs = index.fields_of_type(data_type)
        words = voc.value_types.get(data_type, {})
        if not slugs or not words:
            continue
        found = {tok: words[tok] for tok in tokens if tok in words}
        if not found:
            continue
        standalone = voc.standalone_value_types.get(data_type, {})
        kinds = set(found.values())
        if len(kinds) > 1:
            # "Work Cell", "Business Fax": the specific word (Mobile, Fax) decides
            specific = {found[t] for t in found if t in standalone}
            if len(specific) != 1:
                continue
            kind = specific.pop()
            factor = 0.9
        else:
            kind = kinds.pop()
            factor = QUALIFIED_FACTOR
        rest = [t for t in tokens if t not in found and t not in voc.filler]
        if not rest:
            if not any(t in standalone for t in found):
                continue  # "Work", "Home" alone say nothing about the field
            for slug in slugs:
                if kind in index.fields[slug].value_types:
                    _put(cands, Target(slug, kind), STANDALONE_CONFIDENCE * factor * mult)
            continue
        for target, conf in _lookup(index, rest):
            info = index.fields[target.field]
            if info.data_type == data_type and kind in info.value_types and target.address_part is None:
                _put(cands, Target(target.field, kind), conf * factor * mult)


def _prefixed(index: ModuleIndex, tokens: list[str], cands: dict, mult: float) -> None:
    """Address parts behind a set prefix or suffix: "Billing City", "MailingStreet", "City (Shipping)"."""
    voc = vocabulary()
    if len(tokens) < 2 or not index.fields_of_type("address"):
        return
    for pos in (0, len(tokens) - 1):
        prefix = tokens[pos]
        if prefix not in voc.address_prefixes:
            continue
        rest = [t for i, t in enumerate(tokens) if i != pos and t not in voc.filler]
        for target, conf in _lookup(index, rest):
            if target.address_part is not None:
                _put(cands, target, conf * PREFIXED_FACTOR * mult, address_set=prefix)


def _subset_matches(index: ModuleIndex, tokens: list[str]) -> Iterator[tuple[Target, float]]:
    """Known phrases whose words all occur in the header, the other words harmless ("Primary Email")."""
    voc = vocabulary()
    header_tokens = frozenset(tokens)
    seen: set[str] = set()
    for tok in header_tokens:
        for phrase in index.by_token.get(tok, ()):
            if phrase in seen:
                continue
            seen.add(phrase)
            ptoks = index.phrase_tokens[phrase]
            if not ptoks < header_tokens:
                continue
            extras = header_tokens - ptoks
            if not extras <= voc.harmless:
                continue
            base = SUBSET_MULTI if len(ptoks) > 1 else SUBSET_SINGLE
            base -= SUBSET_STEP * (len(extras) - 1)
            for target, conf in index.exact[phrase].items():
                yield target, base * min(1.0, conf / SYNONYM_CONFIDENCE)


def _subset(index: ModuleIndex, tokens: list[str], cands: dict, mult: float) -> None:
    for target, conf in _subset_matches(index, tokens):
        _put(cands, target, conf * mult)


def _lookup(index: ModuleIndex, tokens: list[str]) -> Iterable[tuple[Target, float]]:
    """The targets of a header part: its exact phrase, else phrases inside it ("Person - Email")."""
    exact = index.exact.get(" ".join(tokens))
    if exact:
        return exact.items()
    best: dict[Target, float] = {}
    for target, conf in _subset_matches(index, tokens):
        best[target] = max(best.get(target, 0.0), conf)
    return best.items()


def _fuzzy(index: ModuleIndex, text: str, cands: dict, mult: float) -> None:
    """rapidfuzz ratio on word-sorted strings (token_sort_ratio, with the choices sorted once)."""
    if len(text) < FUZZY_MIN_LENGTH:
        return
    query = " ".join(sorted(text.split()))
    for choice, score, _ in process.extract(query, index.fuzzy_choices, scorer=fuzz.ratio, limit=8,
                                            score_cutoff=FUZZY_CUTOFF):
        base = 0.9 - (100.0 - score) * 0.015
        for phrase in index.fuzzy_phrases[choice]:
            for target, conf in index.exact[phrase].items():
                _put(cands, target, base * min(1.0, conf / SYNONYM_CONFIDENCE) * mult)


def match_header(module: ModuleDef, header: str, signature: tuple | None = None) -> HeaderResult:
    """The header's candidates, best first (cached: copy a candidate before changing it)."""
    return _match_header(signature or module_signature(module), header)


@lru_cache(maxsize=16384)
def _match_header(signature: tuple, header: str) -> HeaderResult:
    index = _build_index(signature)
    voc = vocabulary()
    norm = normalize(header)
    tokens = norm.split()
    if not tokens:
        return HeaderResult(norm, [])
    cands: dict = {}
    for target, conf in index.exact.get(norm, {}).items():
        _put(cands, target, conf)
    stripped = [t for t in tokens if not t.isdigit() and t not in voc.filler]
    bare = norm in voc.bare_names or " ".join(stripped) in voc.bare_names
    if not cands:
        if any(t in voc.type_holders for t in tokens):
            return HeaderResult(norm, [], blocked="type")
        if tokens[-1] in voc.id_words or norm in voc.id_words:
            return HeaderResult(norm, [], blocked="id")
    exact_hit = bool(cands)  # the header is a known phrase: no partial or fuzzy guesses beside it
    variants = [(tokens, 1.0)]
    if stripped and stripped != tokens:
        variants.append((stripped, STRIPPED_FACTOR))
    for toks, mult in variants:
        text = " ".join(toks)
        if mult != 1.0:
            for target, conf in index.exact.get(text, {}).items():
                _put(cands, target, conf * mult)
        _qualified(index, toks, cands, mult)
        _prefixed(index, toks, cands, mult)
        if not exact_hit:
            _subset(index, toks, cands, mult)
            _fuzzy(index, text, cands, mult)
    if _has_word(norm, voc.opt_in) and not _has_word(norm, voc.opt_out):
        # "Accepts Email Marketing" is the opposite of an opt-out
        cands = {k: c for k, c in cands.items() if not index.fields[c.field].opt_out}
    ordered = sorted(cands.values(), key=lambda c: -c.confidence)
    return HeaderResult(norm, ordered, bare_name=bare)
