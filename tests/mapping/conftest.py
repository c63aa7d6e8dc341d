import pytest

from coherence_pipelines.mapping import suggest_mapping
from coherence_pipelines.modules import builtin_modules


@pytest.fixture(scope="session")
def modules():
    return builtin_modules()


@pytest.fixture
def suggest(modules):
    """suggest("contacts", columns, rows) -> {column: (slug, valueType, addressPart)}."""

    def run(module: str, columns: list[str], rows: list[dict] | None = None) -> dict:
        result = suggest_mapping(modules[module], columns, rows)
        assert [s.source_column for s in result] == columns
        return {s.source_column: (s.target_field_slug, s.value_type, s.address_part) for s in result}

    return run
