import random

import phonenumbers
import polars as pl
import pytest

from coherence_pipelines.validation import NormalizeContext
from coherence_pipelines.validation.phone_lengths import fast_international
from coherence_pipelines.validation.phones import _lookup

UNRECOGNISED = "Not a recognised phone number for any region"


def entry(value, e164=None):
    return [{"value": value, "e164": e164}]


@pytest.mark.parametrize(("text", "e164"), [
    ("+1 (555) 010-0199", "+15550100199"), ("555-010-0199", "+15550100199"), ("1-555-010-0199", "+15550100199"),
    ("(212) 555.0100", "+12125550100"), ("0049 30 1234567", "+49301234567"), ("+49 (0)30 1234567", "+49301234567"),
    ("+44 20 7946 0958", "+442079460958"), ("+44 020 7946 0958", "+442079460958"),
    ("011 49 30 1234567", "+49301234567"), ("+33 1 23 45 67 89", "+33123456789"), ("555-0100", None),
    ("555-0100 ext. 12", None), ("+1 555 010 0199 x12", "+15550100199"), ("212/555-0100 #7", "+12125550100"),
    ("+49 30 1234567 Durchwahl 5", "+49301234567"), ("212-555-0100 extension 45", "+12125550100"),
])
def test_accepted_with_e164(rows, text, e164):
    assert rows("contacts.phone", [text]) == [(entry(text, e164), None, None)]


@pytest.mark.parametrize("text", ["call me", "12", "1234", "555-CALL-NOW", "+1 555 0100 ask for Bob",
                                  "1" * 21, "tel: 555 0100"])
def test_invalid(rows, text):
    assert rows("contacts.phone", [text]) == [(None, "Invalid phone number", None)]


def test_several_numbers_per_cell(rows):
    assert rows("contacts.phone", ["555-010-0199; +44 20 7946 0958;", "555-010-0199; call me"]) == [
        ([{"value": "555-010-0199", "e164": "+15550100199"}, {"value": "+44 20 7946 0958", "e164": "+442079460958"}],
         None, None),
        (None, "Invalid phone number", None)]


def test_unrecognised_numbers_are_kept_with_a_warning(rows):
    assert rows("contacts.phone", ["12345", "+999 1234 5678"]) == [
        (entry("12345"), None, UNRECOGNISED), (entry("+999 1234 5678"), None, UNRECOGNISED)]


def test_country_code_without_plus_is_recognised_without_e164(rows):
    assert rows("contacts.phone", ["49 30 1234567"]) == [(entry("49 30 1234567"), None, None)]


def test_region_from_context(rows):
    ctx = NormalizeContext(region="DE")
    assert rows("contacts.phone", ["030 1234567", "0151 12345678", "+1 212 555 0100", "2125550100"], ctx) == [
        (entry("030 1234567", "+49301234567"), None, None),
        (entry("0151 12345678", "+4915112345678"), None, None),
        (entry("+1 212 555 0100", "+12125550100"), None, None),
        (entry("2125550100", "+492125550100"), None, None)]


def test_phonenumbers_runs_once_per_distinct_value(normalize, monkeypatch):
    calls = []
    real_parse = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda *a, **k: calls.append(a) or real_parse(*a, **k))
    distinct = ["+44 20 7946 0958", "0049 30 1234567", "555-0100", "12345", "(555) 010-0199", "+39 06 1234 5678"]
    values = [distinct[i % len(distinct)] for i in range(10_000)]
    out = normalize("contacts.phone", values)
    assert len(calls) <= 2 * len(distinct)  # a value may be tried in the region and with a "+" in front
    assert out.value[0].to_list() == [{"value": "+44 20 7946 0958", "e164": "+442079460958"}]
    assert out.value[9_999].to_list() == out.value[9_999 % len(distinct)].to_list()
    assert out.error.null_count() == 10_000


def test_fast_path_agrees_with_phonenumbers():
    rng = random.Random(7)
    codes = [str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE]
    keys = ["+" + rng.choice(codes) + "".join(rng.choices("0123456789", k=rng.randint(4, 13))) for _ in range(3000)]
    fast = fast_international(pl.Series(keys)).to_list()
    decided = [(key, e164) for key, e164 in zip(keys, fast, strict=True) if e164 is not None]
    assert len(decided) > 300
    assert all(_lookup(key, "US")["e164"] == e164 for key, e164 in decided)


def test_north_american_fast_path_agrees_with_phonenumbers(normalize):
    rng = random.Random(3)
    numbers = ["".join(rng.choices("0123456789", k=rng.choice([10, 11]))) for _ in range(2000)]
    numbers = [n for n in numbers if not n.startswith("00")]  # 00 is read as "+" before phonenumbers
    out = normalize("contacts.phone", numbers)
    for number, value in zip(numbers, out.value.to_list(), strict=True):
        assert value[0]["e164"] == _lookup(number, "US")["e164"], number


def test_trunk_prefix_alternatives_are_decided_without_phonenumbers():
    """The UK parses `0|180020` as national prefixes: plain alternatives, so its numbers stay on the fast
    path, except those that start with one of them (phonenumbers strips it: its answer differs)."""
    keys = ["+442079463757", "+441800201234567", "+4402079463757"]
    fast = fast_international(pl.Series(keys)).to_list()
    assert fast[0] == "+442079463757" == _lookup(keys[0], "US")["e164"]
    assert fast[1] is None and fast[2] is None
