"""merge_frames: the three merge modes on scalar fields, email/phone lists (by value type, one value once per
record) and address parts, as the table in merge.py's docstring sets them out."""

from __future__ import annotations

import random
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_series_equal

from coherence_pipelines.execution.merge import MergeMode, _merge_entries, _merge_entry_rows, merge_frames
from coherence_pipelines.execution.record_frame import EMAIL_ENTRY, PHONE_ENTRY, record_schema
from coherence_pipelines.modules import builtin_modules

CONTACTS = builtin_modules()["contacts"]
ACCOUNTS = builtin_modules()["accounts"]


def emails(*pairs: tuple[str, str]) -> list[dict]:
    return [{"value": v, "type": t} for v, t in pairs]


def phones(*pairs: tuple[str, str]) -> list[dict]:
    return [{"value": v, "type": t, "e164": None} for v, t in pairs]


def address(**parts: str) -> dict:
    return {p: parts.get(p) for p in ("street", "street2", "city", "state", "zip", "country")}


def merge(slug: str, old: list[Any], new: list[Any], mode: str, parts: dict[str, set[str]] | None = None,
          module=CONTACTS) -> list[Any]:
    """Merge one field over rows of (existing, incoming) values; returns the merged values."""
    schema = record_schema(module, [slug])
    existing = pl.DataFrame({slug: old}, schema=schema)
    incoming = pl.DataFrame({slug: new}, schema=schema)
    out = merge_frames(existing, incoming, schema, mode, parts or {})  # type: ignore[arg-type]
    assert out.schema == pl.Schema(schema) and out.height == len(old)
    return out.get_column(slug).to_list()


# scalar fields -----------------------------------------------------------------------------------------

OLD_TITLES = ["CTO", "CTO", None, None]
NEW_TITLES = ["CEO", None, "CEO", None]


@pytest.mark.parametrize(("mode", "expected"), [
    ("prefer_import", ["CEO", "CTO", "CEO", None]),  # import unless it is empty
    ("fill_empty", ["CTO", "CTO", "CEO", None]),  # existing unless empty
    ("overwrite", ["CEO", None, "CEO", None]),  # import, even when empty
])
def test_scalar_fields(mode: str, expected: list) -> None:
    assert merge("jobTitle", OLD_TITLES, NEW_TITLES, mode) == expected


@pytest.mark.parametrize(("mode", "expected"), [
    ("prefer_import", [500, 10, 0]),
    ("fill_empty", [10, 10, 7]),
    ("overwrite", [500, None, 0]),
])
def test_scalar_numbers_zero_is_not_empty(mode: str, expected: list) -> None:
    assert merge("employeeCount", [10, 10, 7], [500, None, 0], mode, module=ACCOUNTS) == expected


@pytest.mark.parametrize(("mode", "expected"), [
    ("prefer_import", [["vip"], ["new"], ["new"]]),
    ("fill_empty", [["vip"], ["vip"], ["new"]]),
    ("overwrite", [[], ["new"], ["new"]]),
])
def test_multi_select_is_one_value(mode: str, expected: list) -> None:
    # An empty list is empty: prefer_import keeps the existing tags, overwrite clears them.
    assert merge("tags", [["vip"], ["vip"], None], [[], ["new"], ["new"]], mode) == expected


def test_several_fields_merge_row_by_row() -> None:
    slugs = ["displayName", "jobTitle", "email"]
    schema = record_schema(CONTACTS, slugs)
    existing = pl.DataFrame({"displayName": ["Jane", "Bob"], "jobTitle": ["CTO", None],
                             "email": [emails(("jane@x.com", "Work")), None]}, schema=schema)
    incoming = pl.DataFrame({"displayName": ["Jane Doe", None], "jobTitle": [None, "Sales"],
                             "email": [None, emails(("bob@x.com", "Work"))]}, schema=schema)
    out = merge_frames(existing, incoming, schema, "prefer_import", {})
    assert out.to_dicts() == [
        {"displayName": "Jane Doe", "jobTitle": "CTO", "email": emails(("jane@x.com", "Work"))},
        {"displayName": "Bob", "jobTitle": "Sales", "email": emails(("bob@x.com", "Work"))},
    ]


# email and phone lists ---------------------------------------------------------------------------------

OLD_EMAILS = [
    emails(("old@x.com", "Work"), ("me@home.org", "Personal")),
    emails(("old@x.com", "Work")),
    None,
    emails(("old@x.com", "Work")),
]
NEW_EMAILS = [
    emails(("new@x.com", "Work")),
    emails(("new@x.com", "Personal")),
    emails(("new@x.com", "Work")),
    None,
]


def test_emails_prefer_import_replaces_entries_of_the_same_type() -> None:
    assert merge("email", OLD_EMAILS, NEW_EMAILS, "prefer_import") == [
        emails(("new@x.com", "Work"), ("me@home.org", "Personal")),
        emails(("new@x.com", "Personal"), ("old@x.com", "Work")),
        emails(("new@x.com", "Work")),
        emails(("old@x.com", "Work")),
    ]


def test_emails_fill_empty_adds_only_missing_types() -> None:
    assert merge("email", OLD_EMAILS, NEW_EMAILS, "fill_empty") == [
        emails(("old@x.com", "Work"), ("me@home.org", "Personal")),
        emails(("old@x.com", "Work"), ("new@x.com", "Personal")),
        emails(("new@x.com", "Work")),
        emails(("old@x.com", "Work")),
    ]


def test_emails_overwrite_keeps_import_entries_only() -> None:
    assert merge("email", OLD_EMAILS, NEW_EMAILS, "overwrite") == NEW_EMAILS


def test_emails_several_import_entries_of_one_type() -> None:
    old = [emails(("old@x.com", "Work"), ("me@home.org", "Personal"))]
    new = [emails(("a@x.com", "Work"), ("b@x.com", "Work"))]
    assert merge("email", old, new, "prefer_import") == [
        emails(("a@x.com", "Work"), ("b@x.com", "Work"), ("me@home.org", "Personal"))]
    assert merge("email", old, new, "fill_empty") == old


@pytest.mark.parametrize(("mode", "expected"), [
    # The import's entry comes first in prefer_import, so its spelling and type win.
    ("prefer_import", [emails(("Jane@X.com", "Personal"))]),
    ("fill_empty", [emails(("jane@x.com", "Work"))]),
])
def test_emails_same_value_appears_once(mode: str, expected: list) -> None:
    assert merge("email", [emails(("jane@x.com", "Work"))], [emails(("Jane@X.com", "Personal"))], mode) == expected


@pytest.mark.parametrize("mode", ["prefer_import", "fill_empty"])
def test_emails_that_differ_only_in_punctuation_are_different_values(mode: str) -> None:
    old = [emails(("jo-hn@x.com", "Work"), ("a_b@x.com", "Other"))]
    new = [emails(("john@x.com", "Personal"), ("ab@x.com", "Other"))]
    merged = merge("email", old, new, mode)[0]
    values = {e["value"] for e in merged}
    assert {"jo-hn@x.com", "john@x.com"} <= values
    if mode == "prefer_import":
        assert values == {"jo-hn@x.com", "john@x.com", "ab@x.com"}
    else:
        assert values == {"jo-hn@x.com", "john@x.com", "a_b@x.com"}


OLD_PHONES = [phones(("555-0100", "Work"), ("555-0199", "Home")), phones(("555-0100", "Work")), None]
NEW_PHONES = [phones(("555-0111", "Work")), phones(("555-0122", "Mobile")), phones(("555-0133", "Mobile"))]


@pytest.mark.parametrize(("mode", "expected"), [
    ("prefer_import", [phones(("555-0111", "Work"), ("555-0199", "Home")),
                       phones(("555-0122", "Mobile"), ("555-0100", "Work")),
                       phones(("555-0133", "Mobile"))]),
    ("fill_empty", [phones(("555-0100", "Work"), ("555-0199", "Home")),
                    phones(("555-0100", "Work"), ("555-0122", "Mobile")),
                    phones(("555-0133", "Mobile"))]),
    ("overwrite", NEW_PHONES),
])
def test_phones_by_value_type(mode: str, expected: list) -> None:
    assert merge("phone", OLD_PHONES, NEW_PHONES, mode) == expected


def test_phones_same_number_written_differently_appears_once() -> None:
    old = [phones(("555-0100", "Work"))]
    new = [phones(("(555) 0100", "Mobile"))]
    assert merge("phone", old, new, "prefer_import") == [phones(("(555) 0100", "Mobile"))]
    assert merge("phone", old, new, "fill_empty") == [phones(("555-0100", "Work"))]


def test_phones_keep_e164() -> None:
    old = [[{"value": "555-0100", "type": "Work", "e164": "+15555550100"}]]
    new = [[{"value": "+44 20 7946 0958", "type": "Mobile", "e164": "+442079460958"}]]
    assert merge("phone", old, new, "fill_empty") == [old[0] + new[0]]


def test_lists_that_are_empty_on_both_sides_stay_empty() -> None:
    for mode in ("prefer_import", "fill_empty", "overwrite"):
        assert merge("email", [None, None], [None, None], mode) == [None, None]
        assert merge("phone", [None], [None], mode) == [None]


# email/phone lists: the rows _merge_entries settles without the entry-by-entry merge ---------------------

EMAIL_LIST, PHONE_LIST = pl.List(EMAIL_ENTRY), pl.List(PHONE_ENTRY)
WORK = emails(("a@x.com", "Work"))


def merge_lists(old: list[Any], new: list[Any], mode: str, dtype: pl.DataType = EMAIL_LIST) -> pl.Series:
    """_merge_entries on rows of (existing, incoming) lists; checks it gives what the old implementation gave."""
    old_s, new_s = pl.Series("old", old, dtype=dtype), pl.Series("new", new, dtype=dtype)
    merged = _merge_entries(old_s, new_s, mode)  # type: ignore[arg-type]
    assert_series_equal(merged, _reference_merge_entries(old_s, new_s, mode))  # type: ignore[arg-type]
    return merged


@pytest.mark.parametrize("mode", ["prefer_import", "fill_empty"])
@pytest.mark.parametrize(("old", "new", "expected"), [
    (None, None, None),
    ([], None, None),
    (None, [], None),
    ([], [], None),  # no entries left is null, never an empty list
    (WORK, None, WORK),
    (WORK, [], WORK),
    (None, WORK, WORK),
    ([], WORK, WORK),
    ([None], None, None),  # a null entry is no entry
    (None, [None], None),
])
def test_lists_with_an_empty_side(mode: str, old: Any, new: Any, expected: Any) -> None:
    merged = merge_lists([old], [new], mode)
    assert_series_equal(merged, pl.Series("new", [expected], dtype=EMAIL_LIST))


TYPES_OLD = [emails(("a@x.com", "Work")), emails(("a@x.com", "Work"), ("c@x.com", "Home")),
             emails(("a@x.com", "Work"), ("c@x.com", "Home"))]
TYPES_NEW = [emails(("b@x.com", "Work")), emails(("b@x.com", "Work")),
             emails(("b@x.com", "Work"), ("d@x.com", "Other"))]


@pytest.mark.parametrize(("mode", "expected"), [
    ("prefer_import", [emails(("b@x.com", "Work")),
                       emails(("b@x.com", "Work"), ("c@x.com", "Home")),
                       emails(("b@x.com", "Work"), ("d@x.com", "Other"), ("c@x.com", "Home"))]),
    ("fill_empty", [emails(("a@x.com", "Work")),
                    emails(("a@x.com", "Work"), ("c@x.com", "Home")),
                    emails(("a@x.com", "Work"), ("c@x.com", "Home"), ("d@x.com", "Other"))]),
])
def test_lists_whose_types_meet(mode: str, expected: list) -> None:
    # Row 0: same type on both sides. Row 1: the record has a type the import lacks. Row 2: both sides do.
    assert merge_lists(TYPES_OLD, TYPES_NEW, mode).to_list() == expected


@pytest.mark.parametrize("mode", ["prefer_import", "fill_empty"])
def test_one_value_twice_on_one_side_is_one_entry(mode: str) -> None:
    twice = emails(("a@x.com", "Work"), (" A@X.com ", "Home"))
    thrice = emails(("a@x.com", "Work"), ("B@x.com", "Home"), ("a@x.com", "Other"))
    # The side that leads (prefer_import: the import, fill_empty: the record) alone, or with the other side
    # adding no type: only the dedupe changes the list.
    lead, rest = [twice, thrice, twice], [None, None, emails(("z@x.com", "Home"))]
    old, new = (rest, lead) if mode == "prefer_import" else (lead, rest)
    assert merge_lists(old, new, mode).to_list() == [twice[:1], thrice[:2], twice[:1]]


@pytest.mark.parametrize("mode", ["prefer_import", "fill_empty"])
def test_a_null_type_matches_no_type(mode: str) -> None:
    old = [[{"value": "a@x.com", "type": None}]]
    new = [[{"value": "b@x.com", "type": None}]]
    first, second = (new[0], old[0]) if mode == "prefer_import" else (old[0], new[0])
    assert merge_lists(old, new, mode).to_list() == [first + second]


@pytest.mark.parametrize("mode", ["prefer_import", "fill_empty"])
def test_phones_that_are_one_number(mode: str) -> None:
    one = [{"value": "555-0100", "type": "Work", "e164": "+15550100"},
           {"value": "(555) 0199", "type": "Home", "e164": "+15550100"}]
    digits = [{"value": "555-0100", "type": "Work", "e164": None}, {"value": "555 0100", "type": "Home", "e164": None}]
    merged = merge_lists([None, digits], [one, None], mode, PHONE_LIST).to_list()
    assert merged == [one[:1], digits[:1]]


def _random_entries(rng: random.Random, dtype: pl.DataType) -> list[dict | None] | None:
    """0-3 entries of a few types, values from a small pool with case and spacing variants so that one value
    often appears twice; now and then a null list, a null entry, a null type or a null value."""
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.15:
        return []
    entries: list[dict | None] = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        if rng.random() < 0.02:
            entries.append(None)
            continue
        kind = rng.choice(["Work", "Work", "Home", "Other", None] if rng.random() < 0.05 else ["Work", "Home", "Other"])
        if dtype == PHONE_LIST:
            number = rng.choice(["555-0100", "(555) 0100", "555 0199", "+1 555 0199", "555-0123", "call me", None])
            e164 = rng.choice([None, None, "+15550100", "+15550199"]) if number else None
            entries.append({"value": number, "type": kind, "e164": e164})
        else:
            value = rng.choice(["a@x.com", "A@x.com", " a@X.com", "b@x.com", "B@X.COM", "c@y.org", "d@y.org"])
            entries.append({"value": None if rng.random() < 0.02 else value, "type": kind})
    return entries


@pytest.mark.parametrize("mode", ["prefer_import", "fill_empty"])
@pytest.mark.parametrize("dtype", [EMAIL_LIST, PHONE_LIST], ids=["email", "phone"])
def test_merge_entries_gives_what_the_entry_by_entry_merge_gives(mode: str, dtype: pl.DataType) -> None:
    rng = random.Random(20240611)
    rows = 4000
    old = pl.Series("email", [_random_entries(rng, dtype) for _ in range(rows)], dtype=dtype)
    new = pl.Series("email", [_random_entries(rng, dtype) for _ in range(rows)], dtype=dtype)
    expected = _reference_merge_entries(old, new, mode)  # type: ignore[arg-type]
    # The rows must tell a shortcut from the full merge: many keep a side as it stands, many do not.
    as_is = (expected == new if mode == "prefer_import" else expected == old).fill_null(False)
    assert rows * 0.2 < as_is.sum() < rows * 0.8
    assert_series_equal(_merge_entries(old, new, mode), expected)  # type: ignore[arg-type]


def _reference_merge_entries(old: pl.Series, new: pl.Series, mode: MergeMode) -> pl.Series:
    """Every row through the entry-by-entry merge (_merge_entry_rows, what _merge_entries did for all rows
    before its shortcut): the tests above check that the shortcut changes no row's result."""
    if mode == "overwrite":
        return new
    fields = list(old.dtype.inner.to_schema())  # type: ignore[union-attr]
    return _merge_entry_rows(old, new, mode, fields).cast(old.dtype).alias(new.name)


# address parts -----------------------------------------------------------------------------------------

OLD_ADDRESSES = [address(street="1 Main St", city="Springfield", zip="12345"), None,
                 address(street="9 Elm St", city="Shelbyville")]
NEW_ADDRESSES = [address(street="2 Oak Ave", city=None, zip="54321"), address(city="Capital City"), None]
MAPPED = {"address": {"street", "city"}}


def test_address_prefer_import_per_part() -> None:
    assert merge("address", OLD_ADDRESSES, NEW_ADDRESSES, "prefer_import", MAPPED) == [
        address(street="2 Oak Ave", city="Springfield", zip="54321"),
        address(city="Capital City"),
        address(street="9 Elm St", city="Shelbyville"),
    ]


def test_address_fill_empty_per_part() -> None:
    assert merge("address", OLD_ADDRESSES, NEW_ADDRESSES, "fill_empty", MAPPED) == [
        address(street="1 Main St", city="Springfield", zip="12345"),
        address(city="Capital City"),
        address(street="9 Elm St", city="Shelbyville"),
    ]


def test_address_overwrite_replaces_mapped_parts_only() -> None:
    # street and city are mapped: they take the import's values, even empty ones; zip is not mapped, so the
    # record's zip stays, whatever the incoming frame holds for it.
    assert merge("address", OLD_ADDRESSES, NEW_ADDRESSES, "overwrite", MAPPED) == [
        address(street="2 Oak Ave", city=None, zip="12345"),
        address(city="Capital City"),
        None,  # both mapped parts emptied and no other part: no address left
    ]


def test_address_overwrite_without_parts_info_replaces_every_part() -> None:
    assert merge("address", [address(street="1 Main St", zip="12345")], [address(city="Springfield")],
                 "overwrite") == [address(city="Springfield")]


# prefer_import as a patch (the update path: only email/phone entries are read back) ------------------------

def _merge_patch(target: Any, patch: Any, keep_nulls: bool) -> Any:
    """RFC 7386, written out here so the test does not lean on the store's implementation."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            if not keep_nulls:
                out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value, keep_nulls)
    return out


def test_prefer_import_patch_gives_what_merge_frames_gives() -> None:
    import itertools
    import json

    from coherence_pipelines.execution.merge import merge_needs, prefer_import_patch
    from coherence_pipelines.execution.record_frame import encode

    values = {
        "jobTitle": ["CTO", None],
        "tags": [["a", "b"], [], None],
        "email": [emails(("a@x.com", "Work"), ("b@x.com", "Personal")), emails(("A@x.com", "Work")), [], None],
        "phone": [phones(("+1 415 555 0100", "Mobile")), None],
        "address": [address(city="Oslo", street="Main 1"), address(zip="0150"), None],
    }
    slugs = list(values)
    schema = record_schema(CONTACTS, slugs)
    combos = list(itertools.product(*values.values()))
    pairs = list(itertools.product(combos[::7], combos[::5]))  # a spread of (stored, imported) rows
    old = pl.DataFrame([dict(zip(slugs, o, strict=True)) for o, _ in pairs], schema=schema)
    new = pl.DataFrame([dict(zip(slugs, n, strict=True)) for _, n in pairs], schema=schema)
    merged = merge_frames(old, new, schema, "prefer_import", {"address": {"city", "street", "zip"}})
    needs = merge_needs(schema, "prefer_import")
    assert set(needs) == {"email", "phone"}
    patch = prefer_import_patch(old.select(list(needs)), new, schema)
    stored = [_merge_patch({}, json.loads(d), keep_nulls=False) for d in encode(old, slugs)]
    expected = [_merge_patch(s, json.loads(d), keep_nulls=False) for s, d in zip(stored, encode(merged, slugs),
                                                                                   strict=True)]
    actual = [_merge_patch(s, _merge_patch({}, json.loads(d), keep_nulls=False), keep_nulls=False)
              for s, d in zip(stored, encode(patch, slugs), strict=True)]
    # A stored empty list that the import leaves empty stays "[]" where the whole-record merge removed it:
    # compare what a person sees, the non-empty fields.
    def seen(doc: dict) -> dict:
        return {k: v for k, v in doc.items() if v not in ({}, [], None)}

    assert len(pairs) > 100
    assert [seen(d) for d in actual] == [seen(d) for d in expected]
