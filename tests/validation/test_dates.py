import pytest

from coherence_pipelines.validation import NormalizeContext

AMBIGUOUS_MDY = "Ambiguous date order; read as MM/DD/YYYY"


def values(out):
    return out.value.to_list()


@pytest.mark.parametrize(("text", "iso"), [
    ("2024-01-15", "2024-01-15"), ("2024-1-5", "2024-01-05"), ("2024/01/15", "2024-01-15"),
    ("2024-01-15T10:30:00Z", "2024-01-15"), ("2024-01-15 10:30", "2024-01-15"), ("20240115", "2024-01-15"),
    ("15 Jan 2024", "2024-01-15"), ("15-Jan-2024", "2024-01-15"), ("Jan 15, 2024", "2024-01-15"),
    ("January 15 2024", "2024-01-15"), ("January 15th, 2024", "2024-01-15"), ("15. Januar 2024", "2024-01-15"),
    ("3 mars 2024", "2024-03-03"), ("1 dic. 2023", "2023-12-01"), ("Monday, January 15, 2024", "2024-01-15"),
    ("15 Jan 24", "2024-01-15"), ("45306", "2024-01-15"), ("45306.75", "2024-01-15"), ("1", "1900-01-01"),
    ("61", "1900-03-01"),
])
def test_unambiguous_forms(rows, text, iso):
    assert rows("contacts.birthday", [text]) == [(iso, None, None)]


def test_dmy_column_inferred(normalize):
    out = normalize("contacts.birthday", ["15/01/2024", "01/02/2024", "31.12.2023", "5-6-24", None])
    assert values(out) == ["2024-01-15", "2024-02-01", "2023-12-31", "2024-06-05", None]
    assert out.warning.null_count() == 5 and out.error.null_count() == 5


def test_mdy_column_inferred(normalize):
    out = normalize("contacts.birthday", ["01/15/2024", "01/02/2024", "12-31-1999"])
    assert values(out) == ["2024-01-15", "2024-01-02", "1999-12-31"]
    assert out.warning.null_count() == 3 and out.notes == []


def test_ambiguous_column_defaults_to_mdy_and_warns_ambiguous_rows_only(rows, normalize):
    values_in = ["01/02/2024", "05/05/2024", "2024-03-04", "03/04/2024", None]
    assert rows("contacts.birthday", values_in) == [
        ("2024-01-02", None, AMBIGUOUS_MDY), ("2024-05-05", None, None), ("2024-03-04", None, None),
        ("2024-03-04", None, AMBIGUOUS_MDY), (None, None, None)]
    assert normalize("contacts.birthday", values_in).notes == [
        "Dates read as MM/DD/YYYY (ambiguous; default used)"]


def test_context_forces_the_order(normalize):
    out = normalize("contacts.birthday", ["01/02/2024", "03/04/2024"], NormalizeContext(date_order="DMY"))
    assert values(out) == ["2024-02-01", "2024-04-03"]
    assert out.warning.null_count() == 2 and out.notes == []
    out = normalize("contacts.birthday", ["13/01/2024"], NormalizeContext(date_order="MDY"))
    assert out.error.to_list() == ["Not a date in the column's MM/DD/YYYY order"]


def test_context_year_first(rows):
    assert rows("contacts.birthday", ["24/01/15", "2024.01.16"], NormalizeContext(date_order="YMD")) == [
        ("2024-01-15", None, None), ("2024-01-16", None, None)]


def test_mixed_orders_error_the_minority(normalize):
    out = normalize("contacts.birthday", ["15/01/2024", "20/02/2024", "01/13/2024", "02/03/2024"])
    assert values(out) == ["2024-01-15", "2024-02-20", None, "2024-03-02"]
    assert out.error.to_list() == [None, None, "Not a date in the column's DD/MM/YYYY order", None]
    assert out.warning.null_count() == 4
    assert out.notes == ["Dates read as DD/MM/YYYY (most values); 1 do not fit that order"]


@pytest.mark.parametrize("text", ["2024-02-30", "2023-02-29", "31/31/2024", "garbage", "15 Foo 2024", "0",
                                  "2958466", "2024-01-15 25:00", "32.01.2024", "-5"])
def test_not_a_date(rows, text):
    assert rows("contacts.birthday", [text]) == [(None, "Not a date", None)]


def test_two_digit_years_follow_excel(normalize):
    assert values(normalize("contacts.birthday", ["01/15/29", "01/15/30", "01/15/99", "01/15/00"])) == [
        "2029-01-15", "1930-01-15", "1999-01-15", "2000-01-15"]


def test_leap_day(rows):
    assert rows("contacts.birthday", ["2024-02-29", "29/02/2024"]) == [("2024-02-29", None, None)] * 2


@pytest.mark.parametrize(("text", "iso"), [
    ("2024-01-15", "2024-01-15T00:00:00"), ("2024-01-15T10:30:00", "2024-01-15T10:30:00"),
    ("2024-01-15 10:30", "2024-01-15T10:30:00"), ("2024-01-15T10:30:00Z", "2024-01-15T10:30:00Z"),
    ("2024-01-15T10:30:00.123+0200", "2024-01-15T10:30:00+02:00"),
    ("2024-01-15 10:30 -05:00", "2024-01-15T10:30:00-05:00"),
    ("01/15/2024 10:15 PM", "2024-01-15T22:15:00"), ("01/15/2024 12:00 AM", "2024-01-15T00:00:00"),
    ("01/15/2024 12:30 pm", "2024-01-15T12:30:00"), ("Jan 15, 2024 9:05 a.m.", "2024-01-15T09:05:00"),
    ("15.01.2024 18:00:59", "2024-01-15T18:00:59"), ("45306.75", "2024-01-15T18:00:00"),
])
def test_datetimes(rows, text, iso):
    assert rows("datetime", [text]) == [(iso, None, None)]


@pytest.mark.parametrize("text", ["2024-01-15 24:00", "2024-01-15 10:61", "01/15/2024 13:00 PM", "10:30"])
def test_bad_datetimes(rows, text):
    assert rows("datetime", [text]) == [(None, "Not a date", None)]


def test_many_rows_keep_order(normalize):
    out = normalize("deals.closeDate", ["13/01/2024", None, "bad"] * 5000)
    assert out.value.to_list()[:3] == ["2024-01-13", None, None]
    assert out.error.to_list()[:3] == [None, None, "Not a date"]
    assert out.value.null_count() == 10000
