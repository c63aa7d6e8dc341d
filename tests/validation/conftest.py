import polars as pl
import pytest

from coherence_pipelines.modules import builtin_modules
from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation import NormalizeContext, NormalizedColumn, normalize_column, value_dtype


@pytest.fixture(scope="session")
def modules():
    return builtin_modules()


@pytest.fixture
def field(modules):
    """field("contacts.email") -> the built-in FieldDef; field("datetime") -> a plain field of that type."""

    def get(name: str) -> FieldDef:
        if "." in name:
            module, slug = name.split(".")
            found = modules[module].field(slug)
            assert found is not None, name
            return found
        return FieldDef(slug="custom", label="Custom", data_type=name)

    return get


@pytest.fixture
def normalize(field):
    """normalize("contacts.email", values, ctx) -> NormalizedColumn, after checking the shape promises:
    same length and name, the field's value dtype, String errors/warnings, nulls in, nulls out."""

    def run(name: str | FieldDef, values: list, ctx: NormalizeContext | None = None) -> NormalizedColumn:
        target = field(name) if isinstance(name, str) else name
        raw = pl.Series("col", values, dtype=pl.String)
        out = normalize_column(raw, target, ctx) if ctx else normalize_column(raw, target)
        for series in (out.value, out.error, out.warning):
            assert len(series) == len(values) and series.name == "col"
        assert out.value.dtype == value_dtype(target)
        assert out.error.dtype == pl.String and out.warning.dtype == pl.String
        for i, v in enumerate(values):
            if v is None or not v.strip():
                assert (out.value[i], out.error[i], out.warning[i]) == (None, None, None), i
            if out.error[i] is not None:
                assert out.value[i] is None, i
        return out

    return run


@pytest.fixture
def rows(normalize):
    """rows(name, values, ctx) -> [(value, error, warning), ...] per input value."""

    def run(name, values: list, ctx: NormalizeContext | None = None) -> list[tuple]:
        out = normalize(name, values, ctx)
        return list(zip(out.value.to_list(), out.error.to_list(), out.warning.to_list(), strict=True))

    return run
