"""The fields of a module as the header matcher sees them: an index of phrases, built once per module.

Per module: each field's label and slug (camelCase split), the synonyms of synonyms.yaml for its slug,
its module and its data type, and for the address field every part's phrases. A phrase is also indexed
without its filler words ("endereço de email" -> "endereço email"), as headers are read that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from coherence_pipelines.mapping.text import normalize
from coherence_pipelines.mapping.vocabulary import Vocabulary, vocabulary
from coherence_pipelines.modules.fields import ModuleDef

LABEL_CONFIDENCE = 0.98
ADDRESS_LABEL_CONFIDENCE = 0.85   # "Address" alone: most likely the street line (or a whole address)
STRIPPED_FACTOR = 0.97            # a phrase or header without its digits and filler words
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
    address_set: str | None = None   # the qualifier class naming the address set ("billing"), None if none
    set_number: int | None = None    # "Address 2 - City", "Werkadres 2, straat": set number or street line
    source: str = "header"           # "header", "values" or "typeword"

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
    required: bool = False


@dataclass
class ModuleIndex:
    """A module's phrases: exact (phrase -> targets), by word (for phrases inside a header), fuzzy."""

    slug: str
    fields: dict[str, FieldInfo]
    exact: dict[str, dict[Target, float]] = field(default_factory=dict)
    phrase_tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    by_token: dict[str, list[str]] = field(default_factory=dict)
    fuzzy_choices: list[str] = field(default_factory=list)          # phrases with their words sorted
    fuzzy_phrases: dict[str, list[str]] = field(default_factory=dict)  # sorted form -> phrases
    part_phrases: dict[str, dict[str, float]] = field(default_factory=dict)  # phrase -> part -> confidence

    def add(self, phrase: str, target: Target, conf: float) -> None:
        if not phrase:
            return
        targets = self.exact.setdefault(phrase, {})
        targets[target] = max(targets.get(target, 0.0), conf)

    def finish(self, filler: frozenset[str]) -> None:
        # a phrase also without its filler words, as headers are read ("endereço de email" = "endereço email")
        for phrase, targets in list(self.exact.items()):
            bare = " ".join(t for t in phrase.split() if t not in filler)
            if bare != phrase and " " in bare:  # not "no email" -> "email"
                for target, conf in targets.items():
                    self.add(bare, target, conf * STRIPPED_FACTOR)
        for phrase in sorted(self.exact):
            tokens = frozenset(phrase.split())
            self.phrase_tokens[phrase] = tokens
            for tok in tokens:
                self.by_token.setdefault(tok, []).append(phrase)
            if len(phrase) >= FUZZY_MIN_LENGTH - 1:
                self.fuzzy_phrases.setdefault(" ".join(sorted(phrase.split())), []).append(phrase)
        self.fuzzy_choices = sorted(self.fuzzy_phrases)

    def fields_of_type(self, data_type: str) -> list[str]:
        return [f.slug for f in self.fields.values() if f.data_type == data_type]


def module_signature(module: ModuleDef) -> tuple:
    """What the index depends on: the module's slug and its fields' names, types, options and types."""
    return (module.slug, tuple((f.slug, f.label, f.data_type, f.value_types, f.options, f.open_options,
                                f.target_module, f.required) for f in module.fields))


def module_index(module: ModuleDef) -> ModuleIndex:
    return build_index(module_signature(module))


# A field the module lacks lends its phrases to a close one: deals have no notes, contacts no description.
_STAND_INS = {"description": "notes", "notes": "description"}
_STAND_IN_FACTOR = 0.9


def _field_phrases(voc: Vocabulary, module_slug: str, slug: str, data_type: str) -> dict[str, float]:
    phrases = dict(voc.fields.get(slug, {}))
    phrases.update(voc.modules.get(module_slug, {}).get(slug, {}))
    for phrase, conf in voc.types.get(data_type, {}).items():
        phrases.setdefault(phrase, conf)
    return phrases


@cache
def build_index(signature: tuple) -> ModuleIndex:
    """The index of a module_signature (cached: modules with the same fields share it)."""
    voc = vocabulary()
    module_slug, field_rows = signature
    infos: dict[str, FieldInfo] = {}
    for slug, label, data_type, value_types, options, open_options, target, required in field_rows:
        label_n, slug_n = voc.phrase(label), voc.phrase(slug)
        opt_out = data_type == "boolean" and any(
            "opt out" in s or "optout" in s or "unsubscrib" in s for s in (label_n, slug_n))
        infos[slug] = FieldInfo(slug, data_type, tuple(value_types),
                                tuple(normalize(o) for o in options), open_options, target, opt_out, required)
    index = ModuleIndex(slug=module_slug, fields=infos)
    for part, phrases in voc.address_parts.items():
        for phrase, conf in phrases.items():
            index.part_phrases.setdefault(phrase, {})[part] = conf
    for slug, label, data_type, _value_types, _options, _open, _target, _required in field_rows:
        if data_type == "address":
            for phrase in (voc.phrase(label), voc.phrase(slug)):
                index.add(phrase, Target(slug, address_part="street"), ADDRESS_LABEL_CONFIDENCE)
            for phrase, parts in index.part_phrases.items():
                for part, conf in parts.items():
                    index.add(phrase, Target(slug, address_part=part), conf)
            continue
        target = Target(slug)
        for phrase in (voc.phrase(label), voc.phrase(slug)):
            index.add(phrase, target, LABEL_CONFIDENCE)
        for phrase, conf in _field_phrases(voc, module_slug, slug, data_type).items():
            index.add(phrase, target, conf)
        stand_in = _STAND_INS.get(slug)
        if stand_in and stand_in not in infos:
            for phrase, conf in _field_phrases(voc, module_slug, stand_in, data_type).items():
                index.add(phrase, target, conf * _STAND_IN_FACTOR)
    index.finish(voc.filler)
    return index


def put(cands: dict, cand: Candidate) -> None:
    """Keep the better of two candidates for the same target, set and number."""
    key = (*cand.key, cand.address_set, cand.set_number)
    old = cands.get(key)
    if old is None or cand.confidence > old.confidence:
        cands[key] = cand


