"""safe_file_name keeps only a harmless base name."""

from __future__ import annotations

import pytest

from coherence_pipelines.parsing import safe_file_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\contacts.csv", "contacts.csv"),
        ("contacts.csv", "contacts.csv"),
        ("  Q1 leads (final).xlsx ", "Q1 leads (final).xlsx"),
        ("evil\x00name\r\n.csv", "evilname.csv"),
        ("dir/", "upload"),
        ("..", "upload"),
        ("", "upload"),
        (None, "upload"),
    ],
)
def test_safe_file_name(name, expected):
    assert safe_file_name(name) == expected
