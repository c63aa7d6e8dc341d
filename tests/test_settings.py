"""Settings read from the environment: the chunk size knob."""

import pytest

from coherence_pipelines.settings import CHUNK_ROWS, _rows_from_env


def test_max_chunk_rows_reads_whole_numbers_with_separators(monkeypatch):
    monkeypatch.setenv("COHERENCE_MAX_CHUNK_ROWS", "100,000")
    assert _rows_from_env("COHERENCE_MAX_CHUNK_ROWS", 250_000, CHUNK_ROWS) == 100_000
    monkeypatch.setenv("COHERENCE_MAX_CHUNK_ROWS", "20_000")
    assert _rows_from_env("COHERENCE_MAX_CHUNK_ROWS", 250_000, CHUNK_ROWS) == 20_000
    monkeypatch.delenv("COHERENCE_MAX_CHUNK_ROWS")
    assert _rows_from_env("COHERENCE_MAX_CHUNK_ROWS", 250_000, CHUNK_ROWS) == 250_000


@pytest.mark.parametrize("value", ["lots", "-5", "1.5", "10"])
def test_max_chunk_rows_refuses_what_is_not_a_row_count(monkeypatch, value):
    monkeypatch.setenv("COHERENCE_MAX_CHUNK_ROWS", value)
    with pytest.raises(ValueError, match="COHERENCE_MAX_CHUNK_ROWS must be a whole number of rows, at least 5,000"):
        _rows_from_env("COHERENCE_MAX_CHUNK_ROWS", 250_000, CHUNK_ROWS)
