import pytest

TRUE = ["yes", "Y", "TRUE", "t", "1", "x", "X", "ja", "Oui", "sí", "si", "on", "Checked", " yes "]
FALSE = ["no", "N", "false", "F", "0", "nein", "NON", "off", "unchecked"]


@pytest.mark.parametrize("text", TRUE)
def test_true_words(rows, text):
    assert rows("contacts.emailOptOut", [text]) == [(True, None, None)]


@pytest.mark.parametrize("text", FALSE)
def test_false_words(rows, text):
    assert rows("contacts.emailOptOut", [text]) == [(False, None, None)]


def test_anything_else_is_an_error_and_empty_is_null(rows):
    assert rows("contacts.emailOptOut", ["maybe", "2", "", None, "yes"]) == [
        (None, "Not a yes/no value", None), (None, "Not a yes/no value", None), (None, None, None),
        (None, None, None), (True, None, None)]
