"""What a column's sample values look like, and what that says about a field.

`profile_values` measures the share of a column's non-empty sample values that are emails, phone-like,
URLs, LinkedIn profile URLs, dates, amounts (and size bands such as "11-50") and yes/no booleans.
`adjust` raises a header match the values confirm and lowers one they contradict (a "Phone" column
full of emails); `value_candidates` proposes a field from the values alone, for odd headers
("Contact info" full of emails).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from coherence_pipelines.mapping.header_matching import Candidate, FieldInfo, ModuleIndex
from coherence_pipelines.mapping.text import normalize

MAX_VALUES = 100      # sample rows looked at per column
MIN_VALUES = 2        # fewer non-empty values say nothing
CONFIRM = 0.6         # share at or above which the values confirm a field
CONTRADICT = 0.2      # share below which they contradict it
CONTRADICT_FACTOR = 0.55
UNSURE_FACTOR = 0.85
BOOST = 0.3           # a confirmed match moves this share of the way to 0.99

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+(?:\s*(?:ext\.?|x|#|extension|durchwahl|poste)\s*\d{1,6})?$",
                          re.IGNORECASE)
_PHONE_STRONG = re.compile(r"[+()\-]|\d\s+\d")
_URL = re.compile(r"^(?:https?://)?(?:www\.)?[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9\-]+)*"
                  r"\.[a-z]{2,24}(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_LINKEDIN = re.compile(r"linkedin\.com/(?:in|pub)/", re.IGNORECASE)
_MONTH = r"[A-Za-zÀ-ÿ]{3,10}\.?"
_DATE = re.compile("|".join([
    r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$",
    r"^\d{4}/\d{1,2}/\d{1,2}$",
    r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?)?$",
    rf"^\d{{1,2}}\.?\s+{_MONTH}\s+\d{{2,4}}$",
    rf"^{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}$",
    rf"^\d{{1,2}}-{_MONTH}-\d{{2,4}}$",
]))
_AMOUNT = re.compile(r"^(?:[A-Z]{3}\s?)?[-+]?[$€£¥₹]?\s?[-+]?(?:\d+|\d{1,3}(?:[,.' \u00a0]\d{3})+)(?:[.,]\d+)?"
                     r"[kKmM]?\s?(?:%|[$€£¥₹]|[A-Z]{3})?$")
_RANGE = re.compile(r"^\d[\d,.]*\s?(?:[-–]\s?\d[\d,.]*|\+)$")   # "11-50", "10,000+": a size band
_DIGIT = re.compile(r"\d")
_BOOLEANS = frozenset({"yes", "no", "y", "n", "true", "false", "t", "f", "1", "0", "x", "ja", "nein", "oui",
                       "non", "si", "sim", "nao", "wahr", "falsch", "vrai", "faux", "verdadero", "falso",
                       "vero", "checked", "unchecked", "on", "off"})

# What one value is, as bits.
EMAIL, PHONE, PHONE_STRONG, URL, LINKEDIN, DATE, AMOUNT, BOOLEAN, RANGE = (1 << i for i in range(9))


@lru_cache(maxsize=65536)
def classify(value: str) -> int:
    """The kinds (bits above) one stripped, non-empty value looks like."""
    if "@" in value:
        return EMAIL if _EMAIL.match(value) else 0
    has_digit = _DIGIT.search(value) is not None
    if has_digit and _DATE.match(value):
        return DATE
    kinds = BOOLEAN if value.lower() in _BOOLEANS else 0
    if has_digit:
        if _AMOUNT.match(value):
            kinds |= AMOUNT
            if value.isdigit() and 20000 <= int(value) <= 80000:  # an Excel date serial
                kinds |= DATE
        elif _RANGE.match(value):
            kinds |= RANGE
        if _PHONE_CHARS.match(value) and 5 <= len(_DIGIT.findall(value)) <= 20:
            kinds |= PHONE
            if _PHONE_STRONG.search(value):
                kinds |= PHONE_STRONG
    if " " not in value and "." in value and _URL.match(value):
        kinds |= URL
        if _LINKEDIN.search(value):
            kinds |= LINKEDIN
    return kinds


_normalize_value = normalize.__wrapped__  # values would crowd the headers out of normalize's cache


@dataclass
class ValueProfile:
    count: int = 0
    email: float = 0.0
    phone: float = 0.0           # 5-20 digits and phone punctuation (bare numbers too)
    phone_strong: float = 0.0    # the same with +, (), - or spaced digit groups: not an id or amount
    url: float = 0.0
    linkedin: float = 0.0
    date: float = 0.0
    amount: float = 0.0
    boolean: float = 0.0
    size_band: float = 0.0       # "11-50", "1000+": a number field's value as a band
    distinct: tuple[str, ...] = ()   # distinct values (up to 51), for select options
    _options: dict = field(default_factory=dict, repr=False)

    @property
    def known(self) -> bool:
        return self.count >= MIN_VALUES

    def option_share(self, options: tuple[str, ...]) -> float:
        """Share of distinct values that are (or come close to) one of the options."""
        if not options or not self.distinct:
            return 0.0
        cached = self._options.get(options)
        if cached is None:
            values = [_normalize_value(v) for v in self.distinct]
            hits = sum(1 for v in values if v in options or process.extractOne(
                v, options, scorer=fuzz.ratio, score_cutoff=85) is not None)
            cached = self._options[options] = hits / len(self.distinct)
        return cached


def profile_values(values: list) -> ValueProfile:
    texts = [t for t in (str(v).strip() for v in values[:MAX_VALUES] if v is not None) if t]
    n = len(texts)
    if not n:
        return ValueProfile()
    counts = [0] * 9
    for v in texts:
        kinds = classify(v)
        if kinds:
            for bit in range(9):
                if kinds >> bit & 1:
                    counts[bit] += 1
    email, phone, strong, url, linkedin, date, amount, boolean, size_band = (c / n for c in counts)
    distinct = tuple(dict.fromkeys(texts))[:51]
    return ValueProfile(n, email, phone, strong, url, linkedin, date, amount, boolean, size_band, distinct)


def _select_like(profile: ValueProfile) -> bool:
    """Few distinct words, not numbers, dates, emails or URLs: worth comparing with select options."""
    return (2 <= len(profile.distinct) <= 25 and max(profile.email, profile.url, profile.date, profile.amount)
            < 0.5)


def _factor(share: float) -> float | None:
    """None: confirmed (boost); otherwise the factor for an unsure or contradicted match."""
    if share >= CONFIRM:
        return None
    return CONTRADICT_FACTOR if share < CONTRADICT else UNSURE_FACTOR


def adjust(conf: float, profile: ValueProfile, info: FieldInfo, slug: str) -> float:
    """A header match's confidence in the light of the column's values."""
    if not profile.known:
        return conf
    dt = info.data_type
    if dt == "email" or (dt == "user" and profile.email >= CONFIRM):
        factor = _factor(profile.email)
    elif dt == "phone":
        factor = CONTRADICT_FACTOR if profile.email >= 0.5 else _factor(profile.phone)
    elif dt == "url":
        if "linkedin" in slug.lower():
            factor = _factor(profile.linkedin) if profile.url >= CONFIRM else _factor(profile.url)
            if factor is not None and profile.url >= CONFIRM:
                factor = 0.8  # URLs, but not LinkedIn profiles
        else:
            factor = _factor(profile.url)
            if factor is None and profile.linkedin >= 0.8:
                factor = UNSURE_FACTOR  # profile links belong in the LinkedIn field
    elif dt in ("date", "datetime"):
        factor = _factor(profile.date)
    elif dt in ("number", "currency", "percent"):
        factor = _factor(profile.amount + profile.size_band)
    elif dt == "boolean":
        factor = _factor(profile.boolean)
    elif dt in ("select", "multi_select") and info.options:
        share = profile.option_share(info.options)
        if share >= 0.5:
            factor = None
        elif info.open_options or dt == "multi_select":
            factor = 1.0
        else:  # other values: still the column for the field, with options to add or fix
            factor = 0.8 if share < CONTRADICT else 0.9
    elif dt in ("text", "long_text") and profile.email >= 0.8:
        factor = 0.7  # a name or title column does not hold emails
    else:
        factor = 1.0
    if factor is None:
        return conf + (0.99 - conf) * BOOST if conf < 0.99 else conf
    return conf * factor


def value_candidates(profile: ValueProfile, index: ModuleIndex) -> list[Candidate]:
    """Fields the values alone point to, whatever the header says."""
    if not profile.known:
        return []
    out: list[Candidate] = []
    fields = index.fields.values()
    if profile.email >= 0.8:
        email = next((f for f in fields if f.data_type == "email"), None)
        if email is not None:
            out.append(Candidate(email.slug, 0.6 + 0.25 * profile.email, source="values"))
        else:
            contact = next((f for f in fields
                            if f.data_type == "reference" and f.target_module == "contacts"), None)
            if contact is not None:
                out.append(Candidate(contact.slug, 0.5 + 0.2 * profile.email, source="values"))
    if profile.linkedin >= 0.6:
        linkedin = next((f for f in fields if f.data_type == "url" and "linkedin" in f.slug.lower()), None)
        if linkedin is not None:
            out.append(Candidate(linkedin.slug, 0.65 + 0.25 * profile.linkedin, source="values"))
    elif profile.url >= 0.8:
        website = index.fields.get("website") or next(
            (f for f in fields if f.data_type == "url" and "linkedin" not in f.slug.lower()), None)
        if website is not None:
            out.append(Candidate(website.slug, 0.5 + 0.2 * profile.url, source="values"))
    if profile.phone_strong >= 0.8 and profile.date < 0.2:
        phone = next((f for f in fields if f.data_type == "phone"), None)
        if phone is not None:
            out.append(Candidate(phone.slug, 0.5 + 0.22 * profile.phone_strong, source="values"))
    if _select_like(profile):
        for f in fields:
            if f.data_type == "select" and f.options and profile.option_share(f.options) >= 0.8:
                out.append(Candidate(f.slug, 0.7, source="values"))
    return out
