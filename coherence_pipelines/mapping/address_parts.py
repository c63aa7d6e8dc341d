"""Address parts in a header: which part, in which address set, with which number.

"Billing City", "Rue (bureau) 2", "Address 1 - Postal Code", "Werkadres 2, straat", "POCity": the longest
run of words naming a part is the part ("Code postal (bureau)": "code postal"), with the number right
after it when that is a phrase too ("Street 2"). The other words may only be address words, qualifiers
naming the set ("billing", "bureau", "privat"), numbers and harmless words; a single unknown word in front
or behind ("PO", "SA") may name a set too, which the file confirms (suggest.py).
"""

from __future__ import annotations

from coherence_pipelines.mapping.field_index import ADDRESS_LABEL_CONFIDENCE, Candidate, ModuleIndex, put
from coherence_pipelines.mapping.vocabulary import vocabulary

SET_CLASSES = frozenset({"work", "home", "other", "billing", "shipping", "mailing", "primary"})
SET_ONLY_CLASSES = frozenset({"billing", "shipping", "mailing", "primary"})  # qualifiers that type nothing
PREFIXED_FACTOR = 0.97            # "Billing City", "Address 1 - City"
LEARNED_SET_PREFIX = "?"          # an address set named by a word the vocabulary does not know ("PO")
LEARNED_SET_FACTOR = 0.9
QUALIFIER_FIELD_FACTOR = 0.8      # "Default Address Company": the company, read through the address words


def _part_span(index: ModuleIndex, words: list[str]) -> tuple[int, int, str, float] | None:
    """The longest run of words that names an address part: (start, end, part, confidence)."""
    best = None
    for i in range(len(words)):
        for j in range(len(words), i, -1):
            if best is not None and j - i <= best[1] - best[0]:
                break
            found = index.part_phrases.get(" ".join(words[i:j]))
            if found:
                part, conf = max(found.items(), key=lambda kv: kv[1])
                best = (i, j, part, conf)
                break
    return best


def address_candidates(index: ModuleIndex, tokens: tuple[str, ...], cands: dict) -> None:
    """An address part, its set and its number: "Billing City", "Rue (bureau) 2", "Address 1 - City".

    The longest run of words naming a part is the part ("Code postal (bureau)": "code postal"), with the
    number right after it when that is a phrase too ("Street 2"); the other words may only be address
    words, set qualifiers, numbers and harmless words.
    """
    voc = vocabulary()
    slugs = index.fields_of_type("address")
    if not slugs:
        return
    if any(t in voc.qualifiers and voc.qualifiers[t] not in SET_CLASSES for t in tokens):
        return  # "Mobile", "Fax": a phone, not an address
    words = [t for t in tokens if t not in voc.filler]
    span = None
    start = 0
    for end in range(len(words) + 1):  # runs of words between numbers
        if end == len(words) or words[end].isdigit():
            found = _part_span(index, words[start:end])
            if found and (span is None or found[1] - found[0] > span[1] - span[0]):
                span = (found[0] + start, found[1] + start, found[2], found[3])
            start = end + 1
    if span is not None and span[1] < len(words) and words[span[1]].isdigit():
        longer = index.part_phrases.get(" ".join(words[span[0]:span[1] + 1]))
        if longer:  # "Street 2"
            part, conf = max(longer.items(), key=lambda kv: kv[1])
            span = (span[0], span[1] + 1, part, conf)
    if span is None:
        span = _part_span(index, words)  # "Address Line 2", "Address2"
    if span is not None:
        start, end, part, conf = span
        rest = words[:start] + words[end:]
    else:
        rest, part, conf = words, "street", ADDRESS_LABEL_CONFIDENCE
        if not any(t in voc.containers for t in rest):
            return
        if tokens[-1] in voc.qualifiers and tokens[-1] in index.exact:
            # "Default Address Company": the company at that address, not the address
            for target, c in index.exact[tokens[-1]].items():
                put(cands, Candidate(target.field, c * QUALIFIER_FIELD_FACTOR, target.value_type))
            return
    allowed = voc.containers | voc.harmless
    unknown = [t for t in rest if not (t.isdigit() or t in allowed or voc.qualifiers.get(t) in SET_CLASSES)]
    learned = None
    if unknown:
        # "POCity", "SAPostalCode": a word of its own in front of (or after) a part may name the set, if
        # other columns of the file share it (suggest.py keeps such sets only with two parts or more)
        if len(unknown) > 1 or unknown[0] not in (words[0], words[-1]) or unknown[0] in index.exact:
            return
        learned = LEARNED_SET_PREFIX + unknown[0]
        conf *= LEARNED_SET_FACTOR
    sets = [voc.qualifiers[t] for t in rest if voc.qualifiers.get(t) in SET_CLASSES]
    if learned:
        sets.insert(0, learned)
    container_number = next((int(rest[i + 1]) for i, t in enumerate(rest[:-1])
                             if t in voc.containers and rest[i + 1].isdigit()), None)
    trailing = [int(t) for t in rest if t.isdigit()]
    if container_number is not None:
        trailing.remove(container_number)
    set_number = container_number
    if trailing and part == "street":
        if trailing[-1] >= 3:
            return  # a third street line has no place
        part = "street2" if trailing[-1] == 2 else "street"
    elif trailing and set_number is None:
        set_number = trailing[-1]
    if sets or set_number is not None or any(t in voc.containers for t in rest):
        conf *= PREFIXED_FACTOR
    for slug in slugs:
        put(cands, Candidate(slug, conf, address_part=part, address_set=sets[0] if sets else None,
                              set_number=set_number))


