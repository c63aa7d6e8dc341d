"""Header similarity: what a column's header says about the field it belongs to.

A header is tokenised like the vocabulary (vocabulary.py); a leading "<Entity> - " is read for the record
it names ("Person - Email - Work" in contacts: the email; "Organization - Name" in contacts: the account;
"Organization - Address - City" in contacts: nothing) and a "Custom Field - " wrapper dropped. The header
is then read as, first hit wins:

1. a phrase that names nothing we keep ("Nickname", "Gender", "E-mail Type") or an id ("Account Number"):
   no suggestion;
2. a field's phrase: its label or slug (0.98), a synonym (0.95 or its weak confidence), also without the
   header's digits and filler words (x0.97: "E-mail 1 - Value") unless it is a numbered free field
   ("User 1", "Custom Field 3");
3. nothing, when a word says the column holds someone else's details, a type or label, an id, or a part
   of an address we have no place for ("Assistant's Phone", "Phone 1 - Type", "Record ID", "PO Box");
4. all of these, the best kept per target:
   - two phrases of one field side by side ("Job title / role");
   - a negated channel: the opt-out ("Do not allow Emails");
   - an email or phone with a qualifier giving its type ("Work Phone", "Telefon (privat 2)", "Cell");
     a qualifier alone ("Ufficio", "Particular") is a phone or email of that type only if the values
     say so (a "typeword" candidate, see suggest.py);
   - an address part with its set and number (address_parts.py);
   - a phrase whose words all occur in the header, the other words harmless ("Primary Email": 0.8-0.85)
     or naming an address set ("billing_first_name");
5. a fuzzy match when nothing else is sure: rapidfuzz ratio of word-sorted strings >= 80, every word a
   typo of its counterpart, headers of 6+ characters (7 for one word): 0.6 .. 0.9.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from coherence_pipelines.mapping.address_parts import LEARNED_SET_PREFIX, SET_ONLY_CLASSES, address_candidates
from coherence_pipelines.mapping.field_index import (
    FUZZY_MIN_LENGTH,
    STRIPPED_FACTOR,
    Candidate,
    FieldInfo,
    ModuleIndex,
    Target,
    build_index,
    module_signature,
    put,
)
from coherence_pipelines.mapping.text import normalize
from coherence_pipelines.mapping.vocabulary import SYNONYM_CONFIDENCE, Vocabulary, clear_token_cache, vocabulary
from coherence_pipelines.modules.fields import MULTI_VALUE_TYPES, ModuleDef

STANDALONE_CONFIDENCE = 0.93      # "Mobile", "Cell", "Handy"
FAX_CONFIDENCE = 0.9
NUMBER_CONFIDENCE = 0.85          # "Work number", "Home No."
TYPEWORD_CONFIDENCE = 0.5         # "Ufficio", "Particular": a phone of that type only if the values say so
ENTITY_NAME_CONFIDENCE = 0.9      # "Organization - Name" in a contacts file: the account
QUALIFIED_FACTOR = 0.98           # "Work Phone": the phrase's score times this
MIXED_FACTOR = 0.9                # "Work Home Phone": two kinds, the first taken
SUBSET_MULTI = 0.85               # a several-word phrase inside a longer header
SUBSET_SINGLE = 0.8               # a one-word phrase inside a longer header
SUBSET_STEP = 0.05                # less per further extra word
FUZZY_CUTOFF = 80.0
FUZZY_WORD_CUTOFF = 75.0
FUZZY_MIN_WORD = 7                # a header of one word
FUZZY_UNLESS = 0.6                # no fuzzy guesses beside a candidate this sure
OTHER_SET_FACTOR = 0.9            # "shipping_first_name" beside "billing_first_name"
OPT_OUT_CONFIDENCE = 0.85         # "Do not allow Emails", "No newsletter"
NUMBER_WORDS = frozenset({"number", "nummer", "numero", "no", "nr", "num"})
_ENTITY = re.compile(r"^\s*([^\W\d_][^\W\d_ ]*(?: [^\W\d_]+){0,2})\s*[-–:]\s+(\S.*)$")


@dataclass
class HeaderResult:
    normalized: str
    candidates: list[Candidate]
    blocked: str | None = None        # why the header holds no field's values ("none", "type", "id", ...)
    bare_name: bool = False           # a lone "Name"/"Nom"/"Nombre"


def _subset_matches(index: ModuleIndex, tokens: Iterable[str]) -> Iterator[tuple[Target, float]]:
    """Known phrases whose words all occur in the header, the other words harmless ("Primary Email") or
    naming the address set the value belongs to ("billing_first_name": the shipping one is less likely)."""
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
            set_words = {t for t in extras if voc.qualifiers.get(t) in SET_ONLY_CLASSES}
            if not extras - set_words <= voc.harmless:
                continue
            base = SUBSET_MULTI if len(ptoks) > 1 else SUBSET_SINGLE
            base -= SUBSET_STEP * (len(extras - set_words) - (0 if set_words else 1))
            if any(voc.qualifiers[t] not in voc.preferred_sets for t in set_words):
                base *= OTHER_SET_FACTOR
            for target, conf in index.exact[phrase].items():
                yield target, base * min(1.0, conf / SYNONYM_CONFIDENCE)


def _alternatives(index: ModuleIndex, core: list[str]) -> dict[Target, float]:
    """"Job title / role", "Notes / comments": two phrases of the same field side by side."""
    found: dict[Target, float] = {}
    for i in range(1, len(core)):
        first, second = index.exact.get(" ".join(core[:i])), index.exact.get(" ".join(core[i:]))
        if first and second:
            for target in first.keys() & second.keys():
                if target.address_part is None:  # "Address 1: Street": a part of a numbered set, not a pair
                    found[target] = min(first[target], second[target]) * STRIPPED_FACTOR
    return found


def _lookup(index: ModuleIndex, tokens: list[str]) -> dict[Target, float]:
    """The targets of a header part: its exact phrase, the phrase without harmless words, else phrases
    inside it."""
    voc = vocabulary()
    exact = index.exact.get(" ".join(tokens))
    if exact:
        return dict(exact)
    meaningful = [t for t in tokens if t not in voc.harmless]
    if meaningful and meaningful != tokens:
        exact = index.exact.get(" ".join(meaningful))
        if exact:
            return {t: c * STRIPPED_FACTOR for t, c in exact.items()}
    best: dict[Target, float] = {}
    for target, conf in _subset_matches(index, tokens):
        best[target] = max(best.get(target, 0.0), conf)
    return best


def _value_type(voc: Vocabulary, info: FieldInfo, kind: str | None) -> str | None:
    if kind is None:
        return None
    for value_type in voc.value_types.get(info.data_type, {}).get(kind, ()):
        if value_type in info.value_types:
            return value_type
    return None


def _kind(voc: Vocabulary, classes: list[str], data_type: str) -> tuple[str | None, float]:
    """The qualifier class that types an email or phone, and how sure that is."""
    relevant = [c for c in classes if c in voc.value_types.get(data_type, {})]
    if not relevant:
        return None, 1.0
    specific = [c for c in relevant if c in voc.specific_classes]  # "Work Cell": a mobile
    return (specific or relevant)[0], (QUALIFIED_FACTOR if len(set(relevant)) == 1 else MIXED_FACTOR)


def _multi_value(index: ModuleIndex, core: list[str], had_number_word: bool, cands: dict) -> None:
    """Emails and phones with their qualifier: "Work Phone", "E-Mail (privat)", "Cell", "Work number"."""
    voc = vocabulary()
    classes = [voc.qualifiers[t] for t in core if t in voc.qualifiers]
    rest = [t for t in core if t not in voc.qualifiers]
    # "Default Address Phone": the address words say where, not what (but "Email Address" is a phrase)
    if not index.exact.get(" ".join(rest)):
        rest = [t for t in rest if t not in voc.containers]
    meaningful = [t for t in rest if t not in voc.harmless]
    for data_type in MULTI_VALUE_TYPES:
        slugs = index.fields_of_type(data_type)
        if not slugs:
            continue
        kind, factor = _kind(voc, classes, data_type)
        if meaningful:
            for target, conf in _lookup(index, rest).items():
                info = index.fields[target.field]
                if info.data_type == data_type and target.address_part is None:
                    value_type = _value_type(voc, info, kind)
                    put(cands, Candidate(target.field, conf * (factor if value_type else 1.0), value_type))
            continue
        if kind is None:
            continue
        for slug in slugs:
            info = index.fields[slug]
            value_type = _value_type(voc, info, kind)
            if value_type is None:
                continue
            if kind in voc.specific_classes:
                conf = FAX_CONFIDENCE if kind == "fax" else STANDALONE_CONFIDENCE
                put(cands, Candidate(slug, conf * factor, value_type))
            elif had_number_word and data_type == "phone":
                put(cands, Candidate(slug, NUMBER_CONFIDENCE * factor, value_type))
            else:
                put(cands, Candidate(slug, TYPEWORD_CONFIDENCE, value_type, source="typeword"))


def _typo_of(query: str, choice: str) -> bool:
    """Every word a typo of its counterpart ("adress line 2" / "address line 2", not "email sent" / "email not")."""
    words, others = query.split(), choice.split()
    return len(words) == len(others) and all(
        a == b or fuzz.ratio(a, b) >= FUZZY_WORD_CUTOFF for a, b in zip(words, others, strict=True))


def _fuzzy(index: ModuleIndex, text: str, cands: dict) -> None:
    """rapidfuzz ratio on word-sorted strings (token_sort_ratio, with the choices sorted once), word by word a
    typo."""
    if len(text) < FUZZY_MIN_LENGTH or (" " not in text and len(text) < FUZZY_MIN_WORD):
        return  # "Agence" is no typo of "Agente": one short word differs in meaning, not spelling
    query = " ".join(sorted(text.split()))
    for choice, score, _ in process.extract(query, index.fuzzy_choices, scorer=fuzz.ratio, limit=8,
                                            score_cutoff=FUZZY_CUTOFF):
        if not _typo_of(query, choice):
            continue
        base = 0.9 - (100.0 - score) * 0.015
        for phrase in index.fuzzy_phrases[choice]:
            for target, conf in index.exact[phrase].items():
                put(cands, Candidate(target.field, base * min(1.0, conf / SYNONYM_CONFIDENCE),
                                      target.value_type, target.address_part))


def _opt_out(index: ModuleIndex, tokens: tuple[str, ...], cands: dict) -> None:
    """"Do not allow Emails", "Keine Werbung", "Newsletter: non": a negated channel is the opt-out."""
    voc = vocabulary()
    if any(t in voc.opt_out for t in tokens) and any(t in voc.opt_out_subjects for t in tokens):
        for f in index.fields.values():
            if f.opt_out:
                put(cands, Candidate(f.slug, OPT_OUT_CONFIDENCE))


def _from_exact(targets: dict[Target, float], mult: float) -> list[Candidate]:
    return [Candidate(t.field, c * mult, t.value_type, t.address_part) for t, c in targets.items()]


def _split_entity(header: str) -> tuple[str | None, str]:
    """("contacts", "Email - Work") for "Person - Email - Work"; (None, "Company") for "Custom Field - Company";
    (None, header) without such a prefix."""
    m = _ENTITY.match(header)
    if m:
        voc = vocabulary()
        prefix = voc.phrase(m.group(1))
        if prefix in voc.wrapper_prefixes:
            return None, m.group(2)
        module = voc.entity_prefixes.get(prefix)
        if module is not None:
            return module, m.group(2)
    return None, header


def _other_entity(index: ModuleIndex, entity: str, core_text: str) -> HeaderResult:
    """A column about another module's record: its name is the reference to it, the rest is not ours."""
    voc = vocabulary()
    named = core_text in voc.bare_names or core_text in {"title", "name", "full name", "organization",
                                                         "organisation", "company"}
    refs = [f.slug for f in index.fields.values() if f.data_type == "reference" and f.target_module == entity]
    if named and refs:
        return HeaderResult(core_text, [Candidate(refs[0], ENTITY_NAME_CONFIDENCE)])
    return HeaderResult(core_text, [], blocked="entity")


def _blocked(voc: Vocabulary, tokens: tuple[str, ...], core: list[str]) -> str | None:
    if any(t in voc.block_words for t in tokens):
        return "block"
    if any(t in voc.type_holders for t in tokens):
        return "type"
    if core and core[-1] in voc.id_words:
        return "id"
    rest = [t for t in core if t not in voc.containers and t not in voc.qualifiers and t not in voc.harmless]
    if rest and " ".join(rest) in voc.address_ignore:
        return "ignore"
    return None


def match_header(module: ModuleDef, header: str, signature: tuple | None = None) -> HeaderResult:
    """The header's candidates, best first (cached: copy a candidate before changing it)."""
    return _match_header(signature or module_signature(module), header)


@lru_cache(maxsize=16384)
def _match_header(signature: tuple, header: str) -> HeaderResult:
    index = build_index(signature)
    voc = vocabulary()
    entity, body = _split_entity(str(header))
    tokens = voc.tokens(body)
    text = " ".join(tokens)
    core = [t for t in tokens if not t.isdigit() and t not in voc.filler]
    core_text = " ".join(core)
    if not tokens:
        return HeaderResult(text, [])
    if entity is not None and entity != index.slug:
        return _other_entity(index, entity, core_text)
    bare = core_text in voc.bare_names
    if text in voc.none_phrases or core_text in voc.none_phrases:
        return HeaderResult(text, [], blocked="none")
    if text in voc.id_phrases or core_text in voc.id_phrases:  # before "Account Number" reads as "Account"
        return HeaderResult(text, [], blocked="id")
    exact = index.exact.get(text)
    if exact:
        return _finish(index, text, _from_exact(exact, 1.0), bare)
    has_digit = len(core) < len([t for t in tokens if t not in voc.filler])
    if has_digit and core and all(t in voc.custom_words for t in core):
        return HeaderResult(text, [], blocked="custom")
    exact = index.exact.get(core_text) if core_text != text else None
    if exact and not (has_digit and any(t.address_part for t in exact)):  # "Street Address 2": a line number
        return _finish(index, text, _from_exact(exact, STRIPPED_FACTOR), bare)
    blocked = _blocked(voc, tokens, core)
    if blocked:
        return HeaderResult(text, [], blocked=blocked)
    cands: dict = {}
    for target, conf in _alternatives(index, core).items():
        put(cands, Candidate(target.field, conf, target.value_type, target.address_part))
    _opt_out(index, tokens, cands)
    _multi_value(index, core, any(t in NUMBER_WORDS for t in tokens), cands)
    address_candidates(index, tokens, cands)
    for target, conf in _subset_matches(index, core):
        if target.address_part is None:  # address parts come with their set and number
            put(cands, Candidate(target.field, conf, target.value_type, target.address_part))
    # a typo may also read as a set of its own ("Adress Line 2": "adress" naming a set): try both
    if not any(c.confidence >= FUZZY_UNLESS and not (c.address_set or "").startswith(LEARNED_SET_PREFIX)
               for c in cands.values()):
        _fuzzy(index, text, cands)
    return _finish(index, text, list(cands.values()), bare)


def _finish(index: ModuleIndex, text: str, cands: list[Candidate], bare: bool) -> HeaderResult:
    voc = vocabulary()
    padded = f" {text} "
    if any(f" {w} " in padded for w in voc.opt_in) and not any(f" {w} " in padded for w in voc.opt_out):
        # "Accepts Email Marketing" is the opposite of an opt-out
        cands = [c for c in cands if not index.fields[c.field].opt_out]
    cands.sort(key=lambda c: -c.confidence)
    return HeaderResult(text, cands, bare_name=bare)


def clear_header_cache() -> None:
    """Forget every matched header, so the next call matches them afresh (for timing)."""
    _match_header.cache_clear()
    clear_token_cache()
    normalize.cache_clear()
