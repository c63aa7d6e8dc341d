"""The field and module definitions that every stage reads: types, options, value types, references."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal[
    "text", "long_text", "email", "phone", "url", "number", "currency", "percent", "date", "datetime",
    "boolean", "select", "multi_select", "reference", "address", "user",
]
FIELD_TYPES: frozenset[str] = frozenset(FieldType.__args__)  # type: ignore[attr-defined]

ADDRESS_PARTS: tuple[str, ...] = ("street", "street2", "city", "state", "zip", "country")
MULTI_VALUE_TYPES: frozenset[str] = frozenset({"email", "phone"})
NUMERIC_TYPES: frozenset[str] = frozenset({"number", "currency", "percent"})
SYSTEM_FIELDS: tuple[str, ...] = ("id", "createdDateTime", "updatedDateTime", "createdByImportJobId")

# Slugs reach SQL as JSON paths and identifiers; this pattern is what makes that safe.
SLUG_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")

# How a reference finds its target record, by target module (modules.md).
REFERENCE_MATCH_BY: dict[str, tuple[str, ...]] = {
    "accounts": ("displayName", "domain"),
    "contacts": ("displayName", "email"),
}


@dataclass(frozen=True)
class FieldDef:
    slug: str
    label: str
    data_type: str
    required: bool = False
    options: tuple[str, ...] = ()
    open_options: bool = False
    value_types: tuple[str, ...] = ()
    target_module: str | None = None
    integer: bool = False

    @property
    def multi_value(self) -> bool:
        return self.data_type in MULTI_VALUE_TYPES

    @property
    def is_address(self) -> bool:
        return self.data_type == "address"

    @property
    def default_value_type(self) -> str | None:
        """The type a multi-value entry gets when the mapping names none (the first listed)."""
        if not self.multi_value:
            return None
        return self.value_types[0] if self.value_types else "Other"

    def describe(self) -> dict:
        """The field as the API shows it (`targetFields`, `GET /modules`)."""
        out: dict = {"fieldSlug": self.slug, "label": self.label, "dataType": self.data_type,
                     "required": self.required}
        if self.options or self.data_type in ("select", "multi_select"):
            out["options"] = list(self.options)
            out["openOptions"] = self.open_options
        if self.value_types:
            out["valueTypes"] = list(self.value_types)
        if self.target_module:
            out["targetModuleSlug"] = self.target_module
        if self.is_address:
            out["addressParts"] = list(ADDRESS_PARTS)
        return out


@dataclass(frozen=True)
class ModuleDef:
    slug: str
    label: str
    fields: tuple[FieldDef, ...]
    default_match_fields: tuple[str, ...] = ("displayName",)
    builtin: bool = True
    _by_slug: dict[str, FieldDef] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_slug.update({f.slug: f for f in self.fields})

    @property
    def module_id(self) -> str:
        return f"mod_{self.slug}"

    def field(self, slug: str) -> FieldDef | None:
        return self._by_slug.get(slug)

    def has_field(self, slug: str) -> bool:
        return slug in self._by_slug

    @property
    def slugs(self) -> list[str]:
        return [f.slug for f in self.fields]

    def describe(self) -> dict:
        return {"moduleId": self.module_id, "slug": self.slug, "label": self.label, "builtin": self.builtin,
                "defaultMatchFields": list(self.default_match_fields),
                "fields": [f.describe() for f in self.fields]}
