import polars as pl
import pytest

from coherence_pipelines.modules.fields import FIELD_TYPES, FieldDef
from coherence_pipelines.validation import NormalizeContext, normalize_column, value_dtype


def test_text_trimmed_and_blanks_null(rows):
    assert rows("contacts.jobTitle", ["  CEO ", "", "   ", None, "Head of\tSales"]) == [
        ("CEO", None, None), (None, None, None), (None, None, None), (None, None, None),
        ("Head of\tSales", None, None)]


@pytest.mark.parametrize("name", ["contacts.notes", "contacts.account", "long_text", "address"])
def test_text_like_types_only_trim(rows, name):
    assert rows(name, [" Acme Inc. ", None]) == [("Acme Inc.", None, None), (None, None, None)]


def test_user_email_lower_cased_names_kept(rows):
    assert rows("contacts.owner", [" Bob@Example.COM ", "Bob Smith", "bob@"]) == [
        ("bob@example.com", None, None), ("Bob Smith", None, None), ("bob@", None, None)]


@pytest.mark.parametrize("data_type", sorted(FIELD_TYPES))
@pytest.mark.parametrize("values", [[], [None, None], ["", "  ", "\u00a0"]])
def test_every_type_keeps_empty_and_null_cells_empty(normalize, data_type, values):
    field = FieldDef("f", "F", data_type, options=("A", "B"))
    out = normalize(field, values)
    assert out.value.null_count() == out.error.null_count() == out.warning.null_count() == len(values)


@pytest.mark.parametrize("data_type", sorted(FIELD_TYPES))
def test_every_type_accepts_non_string_input_dtypes(data_type):
    field = FieldDef("f", "F", data_type, options=("A",))
    out = normalize_column(pl.Series("c", [None, None]), field, NormalizeContext())
    assert out.value.dtype == value_dtype(field) and len(out.error) == 2


def test_value_dtypes(field):
    assert value_dtype(field("contacts.email")) == pl.List(pl.String)
    assert value_dtype(field("contacts.phone")) == pl.List(pl.Struct({"value": pl.String, "e164": pl.String}))
    assert value_dtype(field("accounts.annualRevenue")) == pl.Float64
    assert value_dtype(field("contacts.emailOptOut")) == pl.Boolean
    assert value_dtype(field("contacts.tags")) == pl.List(pl.String)
    assert value_dtype(field("contacts.birthday")) == pl.String


def test_context_refuses_unknown_date_order():
    with pytest.raises(ValueError, match="date_order"):
        NormalizeContext(date_order="DYM")
