"""What a column's sample values look like, and what that says about a field.

`profile_values` measures the share of a column's non-empty sample values that are emails, phone-like,
URLs, LinkedIn profile URLs, dates (also a birthday's "12/10"), amounts ("R$ 1.200,00", "45 Mio. €", and
size bands such as "11-50"), yes/no booleans, salutations ("Mr.", "Mme", "Dott.ssa") and statuses of orders,
payments or subscriptions ("paid", "past_due", "Inaktiv").
`adjust` raises a header match the values confirm and lowers one they contradict (a "Phone" column
full of emails); `value_candidates` proposes a field from the values alone, for odd headers
("Contact info" full of emails).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from coherence_pipelines.mapping.field_index import Candidate, FieldInfo, ModuleIndex
from coherence_pipelines.mapping.text import normalize
from coherence_pipelines.validation.formula_guard import unguarded_text

MAX_VALUES = 100      # sample rows looked at per column
MIN_VALUES = 2        # fewer non-empty values say nothing
MAX_STATUS_VALUES = 25  # a status column has few distinct values: the others are not looked up
CONFIRM = 0.6         # share at or above which the values confirm a field
CONTRADICT = 0.2      # share below which they contradict it
CONTRADICT_FACTOR = 0.55
UNSURE_FACTOR = 0.85
BOOST = 0.3           # a confirmed match moves this share of the way to 0.99
SALUTATION_FACTOR = 0.3
TYPEWORD_CONFIRMED = 0.8  # a lone qualifier ("Ufficio") over a column of phone numbers

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
_NUMBER = re.compile(r"^[-+]?(?:\d+|\d{1,3}(?:[,.' \u00a0\u202f]\d{3})+)(?:[.,]\d+)?$")
# Currency marks and magnitude words around an amount: "R$ 1.200,00", "45 Mio. €", "$120M", "12 M€ HT".
_MONEY_MARKS = re.compile(r"(?i)(?:r\$|us\$|[$€£¥₹]|\b(?:[a-z]{3}|kr|zł|mio|mln|mn|mrd|bn|mil|mi|tsd|k|m|b|"
                          r"million|millions|milliarden|thousand|ht|ttc|net|brut)\b\.?|%)")
_RANGE = re.compile(r"^\d[\d,.]*\s?(?:[-–]\s?\d[\d,.]*|\+)$")   # "11-50", "10,000+": a size band
_DIGIT = re.compile(r"\d")
# A birthday without its year: "12/10", "03.05.", "12-10" (not "0.45" or "1.5").
_DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})$|^(\d{1,2})\.(\d{1,2})\.$|^(\d{2})-(\d{2})$")
# Statuses of orders, payments, subscriptions and tickets: a "Status" column holding them is not a lead's.
_FOREIGN_STATUSES = frozenset({"active", "canceled", "cancelled", "past due", "trialing", "unpaid", "incomplete",
                               "incomplete expired", "processing", "completed", "on hold", "refunded", "failed",
                               "pending", "pending payment", "paid", "partially paid", "shipped", "delivered",
                               "fulfilled", "unfulfilled", "partially fulfilled", "draft", "resolved", "solved",
                               "archived", "expired", "suspended", "authorized", "voided", "open", "closed",
                               "inactive", "actif", "inactif", "activo", "inactivo", "ativo", "inativo", "attivo",
                               "inattivo", "aktiv", "inaktiv", "actief", "inactief"})
_SALUTATIONS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "herr", "frau", "m",
                          "mme", "mlle", "monsieur", "madame", "sr", "sra", "srta", "senor", "senora", "don",
                          "dona", "sig", "sigra", "dott", "dottssa", "ing", "avv", "dhr", "mevr", "mw", "hr", "fr",
                          "heer", "mevrouw", "ir", "drs"})
_BOOLEANS = frozenset({"yes", "no", "y", "n", "true", "false", "t", "f", "1", "0", "x", "ja", "nein", "oui",
                       "non", "si", "sim", "nao", "wahr", "falsch", "vrai", "faux", "verdadero", "falso",
                       "vero", "checked", "unchecked", "on", "off", "allow", "allowed", "do not allow", "deny",
                       "denied", "opt in", "opt out", "opted in", "opted out", "subscribed", "unsubscribed",
                       "enabled", "disabled", "sí", "ano", "nee", "-"})

# What one value is, as bits.
EMAIL, PHONE, PHONE_STRONG, URL, LINKEDIN, DATE, AMOUNT, BOOLEAN, RANGE, SALUTATION = (1 << i for i in range(10))
KINDS = 10


def _is_day_month(value: str) -> bool:
    m = _DAY_MONTH.match(value)
    if m is None:
        return False
    a, b = (int(g) for g in m.groups() if g is not None)
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


def _is_amount(value: str) -> bool:
    bare = _MONEY_MARKS.sub("", value).strip()
    return bool(bare) and _NUMBER.match(bare) is not None


@lru_cache(maxsize=65536)
def classify(value: str) -> int:
    """The kinds (bits above) one stripped, non-empty value looks like."""
    if "@" in value:
        return EMAIL if _EMAIL.match(value) else 0
    has_digit = _DIGIT.search(value) is not None
    if has_digit and (_DATE.match(value) or _is_day_month(value)):
        return DATE
    kinds = BOOLEAN if value.lower() in _BOOLEANS else 0
    if not has_digit and value.replace(".", "").replace(" ", "").lower() in _SALUTATIONS:
        return kinds | SALUTATION
    if has_digit:
        if _is_amount(value):
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
    salutation: float = 0.0      # "Mr.", "Frau", "Dott.ssa": a title column, not a job title or a name
    foreign_status: float = 0.0  # "paid", "shipped", "past_due": the status of an order or a subscription
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
    texts = [t for t in (unguarded_text(str(v)).strip() for v in values[:MAX_VALUES] if v is not None) if t]
    n = len(texts)
    if not n:
        return ValueProfile()
    counts = [0] * KINDS
    for v in texts:
        kinds = classify(v)
        if kinds:
            for bit in range(KINDS):
                if kinds >> bit & 1:
                    counts[bit] += 1
    email, phone, strong, url, linkedin, date, amount, boolean, size_band, salutation = (c / n for c in counts)
    counts_by_value = Counter(texts)
    distinct = tuple(counts_by_value)[:51]
    foreign = 0.0
    if len(counts_by_value) <= MAX_STATUS_VALUES:  # a status column has few distinct values
        foreign = sum(k for v, k in counts_by_value.items() if _normalize_value(v) in _FOREIGN_STATUSES) / n
    return ValueProfile(n, email, phone, strong, url, linkedin, date, amount, boolean, size_band, salutation,
                        foreign, distinct)


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
        elif share >= CONTRADICT:
            factor = 0.9
        elif profile.foreign_status >= CONFIRM and not info.required:
            factor = CONTRADICT_FACTOR  # "Status" of an order or a subscription: not a lead's
        else:  # other values: still the column for the field (its own pipeline), with options to fix
            factor = 0.8
    elif dt in ("text", "long_text") and profile.salutation >= CONFIRM:
        factor = SALUTATION_FACTOR  # "Title" holding "Mr."/"Mrs." is no job title, and no name
    elif dt in ("text", "long_text") and profile.email >= 0.8:
        factor = 0.7  # a name or title column does not hold emails
    else:
        factor = 1.0
    if factor is None:
        return conf + (0.99 - conf) * BOOST if conf < 0.99 else conf
    return conf * factor


def confirm_typeword(cand: Candidate, profile: ValueProfile, info: FieldInfo) -> bool:
    """A lone qualifier ("Ufficio", "Particular", "Work") holds that kind of phone or email if the values say so
    (a single value is enough: the header already says what kind)."""
    if info.data_type == "phone":
        share = profile.phone_strong if profile.phone_strong >= CONFIRM else profile.phone * 0.9
    else:
        share = profile.email
    if share < CONFIRM:
        return False
    cand.confidence = TYPEWORD_CONFIRMED
    return True


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
