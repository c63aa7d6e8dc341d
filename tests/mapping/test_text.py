import pytest

from coherence_pipelines.mapping.text import normalize


@pytest.mark.parametrize(("raw", "expected"), [
    ("First Name", "first name"),
    ("FirstName", "first name"),
    ("first_name", "first name"),
    ("MailingPostalCode", "mailing postal code"),
    ("linkedinUrl", "linkedin url"),
    ("AccountID", "account id"),
    ("Address1", "address 1"),
    ("E-Mail", "email"),
    ("E-mail 1 - Type", "email 1 type"),
    ("Straße", "strasse"),
    ("Téléphone #", "telephone"),
    ("  Código   Postal ", "codigo postal"),
    ("ZIP/Postal Code", "zip postal code"),
    ("", ""),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected
