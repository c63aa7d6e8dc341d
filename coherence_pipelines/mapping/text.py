"""Header normalisation shared by the vocabulary (synonyms.yaml) and the headers of a file."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CAMEL_LOWER_UPPER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")  # "firstName" -> "first Name"
_CAMEL_ACRONYM = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")     # "URLField" -> "URL Field"
_LETTER_DIGIT = re.compile(r"(?<=[A-Za-z])(?=[0-9])")        # "Address1" -> "Address 1"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Words that camelCase splitting or hyphens break apart: "E-mail" -> "email", "LinkedIn" -> "linkedin".
_REJOIN = re.compile(r"\b(e) (mail)|\b(linked) (in)\b|\b(whats) (app)\b")


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Lower-case, accents stripped, camelCase/snake_case split, punctuation to single spaces.

    "MailingPostalCode" -> "mailing postal code", "Straße" -> "strasse", "E-Mail 1 - Type" ->
    "email 1 type", "Téléphone #" -> "telephone".
    """
    text = str(text).strip()
    text = _CAMEL_LOWER_UPPER.sub(" ", text)
    text = _CAMEL_ACRONYM.sub(" ", text)
    text = _LETTER_DIGIT.sub(" ", text)
    text = text.replace("ß", "ss").replace("ẞ", "ss").replace("ø", "o").replace("Ø", "o")
    text = text.replace("æ", "ae").replace("œ", "oe").replace("Æ", "ae").replace("Œ", "oe")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _NON_ALNUM.sub(" ", text).strip()
    return _REJOIN.sub(lambda m: "".join(g for g in m.groups() if g), text)
