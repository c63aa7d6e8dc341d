import pytest

from coherence_pipelines.validation import NormalizeContext


def values(out):
    return out.value.to_list()


def test_decimal_point_column(normalize):
    out = normalize("accounts.annualRevenue", ["1,234.50", "$1,234", "(1,234)", "-12", "45%", "12.5", "1234-",
                                               "USD 2,000,000", "1.5E+06", "+7", ".5"])
    assert values(out) == [1234.5, 1234.0, -1234.0, -12.0, 45.0, 12.5, -1234.0, 2e6, 1.5e6, 7.0, 0.5]
    assert out.error.null_count() == len(out.error) and out.notes == []


def test_decimal_comma_column_is_inferred(normalize):
    out = normalize("deals.amount", ["1.234,50", "12,5", "€ 1.234,50", "1 234,50", "1.234.567", "(12)", "1,234"])
    assert values(out) == [1234.5, 12.5, 1234.5, 1234.5, 1234567.0, -12.0, 1.234]
    assert out.notes == ["Numbers read with a decimal comma (1.234,50)"]


def test_decimal_comma_forced_by_context(normalize):
    out = normalize("deals.amount", ["1.234", "1,5"], NormalizeContext(decimal_comma=True))
    assert values(out) == [1234.0, 1.5] and out.notes == []
    out = normalize("deals.amount", ["1,234", "1.5"], NormalizeContext(decimal_comma=False))
    assert values(out) == [1234.0, 1.5]


def test_mixed_conventions_default_to_decimal_point(rows):
    # Both conventions show up: the point wins and the comma-only values are not numbers in it.
    assert rows("deals.amount", ["1,234.50", "12,5"]) == [(1234.5, None, None), (None, "Not a number", None)]


def test_ambiguous_column_reads_point_with_a_note(normalize):
    out = normalize("deals.amount", ["1,234", "2,500"])
    assert values(out) == [1234.0, 2500.0]
    assert out.notes and "ambiguous" in out.notes[0]


@pytest.mark.parametrize("text", ["abc", "12abc", "1,23,4.5", "--5", "1.2.3,4,5", "$", "12 apples", "1e", "1e999"])
def test_not_a_number(rows, text):
    assert rows("accounts.annualRevenue", [text]) == [(None, "Not a number", None)]


def test_integer_field_refuses_fractions(rows):
    assert rows("accounts.employeeCount", ["250", "12.5", "1,000", "0.5"]) == [
        (250.0, None, None), (None, "Not a whole number", None), (1000.0, None, None),
        (None, "Not a whole number", None)]


def test_integer_field_reads_lone_separator_as_grouping(rows):
    assert rows("accounts.employeeCount", ["1.234", "1,500", "80"]) == [
        (1234.0, None, None), (1500.0, None, None), (80.0, None, None)]


def test_percent_points(normalize):
    assert values(normalize("deals.probability", ["45%", "45", "12.5 %", "100"])) == [45.0, 45.0, 12.5, 100.0]


def test_percent_fractions_scaled_with_a_note(normalize):
    out = normalize("deals.probability", ["0.45", "0.1", "1", "0", "75%", None])
    assert values(out) == [45.0, 10.0, 100.0, 0.0, 75.0, None]
    assert out.notes == ["Percentages written as fractions (0.45) read as 45%"]


def test_percent_whole_column_in_zero_one_is_not_scaled(normalize):
    out = normalize("deals.probability", ["0", "1", "1"])
    assert values(out) == [0.0, 1.0, 1.0] and out.notes == []


def test_number_fields_do_not_scale_fractions(normalize):
    assert values(normalize("accounts.annualRevenue", ["0.45", "0.1"])) == [0.45, 0.1]
