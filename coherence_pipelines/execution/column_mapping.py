"""Checks a request's columnMapping, staticValues and match fields against the module, and turns them into
a plan: which source columns feed which field, as which value type or address part.

Every refusal is a 400 that names the offending item, so a client can fix its mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coherence_pipelines.errors import InvalidMapping, InvalidOption
from coherence_pipelines.modules.fields import ADDRESS_PARTS, FieldDef, ModuleDef
from coherence_pipelines.store.base import MatchField


@dataclass(frozen=True)
class ColumnMapping:
    source_column: str
    target_field_slug: str | None
    ignored: bool = False
    value_type: str | None = None
    address_part: str | None = None

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sourceColumn": self.source_column, "targetFieldSlug": self.target_field_slug}
        if self.ignored:
            out["ignored"] = True
        if self.value_type:
            out["valueType"] = self.value_type
        if self.address_part:
            out["addressPart"] = self.address_part
        return out

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> ColumnMapping:
        return cls(source_column=item["sourceColumn"], target_field_slug=item.get("targetFieldSlug"),
                   ignored=bool(item.get("ignored") or False), value_type=item.get("valueType"),
                   address_part=item.get("addressPart"))


@dataclass
class FieldSource:
    """Where one module field's values come from."""

    field: FieldDef
    columns: list[str] = field(default_factory=list)  # simple fields: one column
    typed_columns: list[tuple[str, str]] = field(default_factory=list)  # multi-value: (column, valueType)
    part_columns: dict[str, str] = field(default_factory=dict)  # address: part -> column
    static_value: str | None = None


@dataclass
class MappingPlan:
    module: ModuleDef
    sources: dict[str, FieldSource]  # by field slug, in module order
    derive_display_name: bool  # contacts: "First Last" when only the name parts are mapped

    @property
    def mapped_slugs(self) -> list[str]:
        slugs = list(self.sources)
        if self.derive_display_name and "displayName" not in slugs:
            slugs.insert(0, "displayName")
        return slugs


def plan_mapping(module: ModuleDef, mappings: list[ColumnMapping],
                 static_values: dict[str, Any] | None = None) -> MappingPlan:
    sources: dict[str, FieldSource] = {}
    for index, m in enumerate(mappings):
        where = f"columnMapping[{index}] ({m.source_column!r})"
        if m.ignored or not m.target_field_slug:
            continue
        f = module.field(m.target_field_slug)
        if f is None:
            raise InvalidMapping(f"{where}: {m.target_field_slug!r} is not a field of module {module.slug!r}")
        src = sources.setdefault(f.slug, FieldSource(field=f))
        if m.address_part is not None and not f.is_address:
            raise InvalidMapping(f"{where}: addressPart is only for address fields, and {f.slug!r} is a {f.data_type}")
        if m.value_type is not None and not f.multi_value:
            raise InvalidMapping(f"{where}: valueType is only for multi-value fields (email, phone), "
                                 f"and {f.slug!r} is a {f.data_type}")
        if f.multi_value:
            src.typed_columns.append((m.source_column, _value_type(f, m.value_type, where)))
        elif f.is_address:
            part = m.address_part or "street"
            if part not in ADDRESS_PARTS:
                raise InvalidMapping(f"{where}: addressPart {part!r} is not one of {', '.join(ADDRESS_PARTS)}")
            if part in src.part_columns:
                raise InvalidMapping(f"{where}: address part {part!r} is already mapped from "
                                     f"{src.part_columns[part]!r}")
            src.part_columns[part] = m.source_column
        else:
            if src.columns:
                raise InvalidMapping(f"{where}: {f.slug!r} holds one value and is already mapped from "
                                     f"{src.columns[0]!r}")
            src.columns.append(m.source_column)
    for slug, value in (static_values or {}).items():
        f = module.field(slug)
        if f is None:
            raise InvalidMapping(f"staticValues.{slug}: not a field of module {module.slug!r}")
        if f.is_address:
            raise InvalidMapping(f"staticValues.{slug}: map address parts from columns; an address has no single value")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InvalidMapping(f"staticValues.{slug}: a static value is a single text value")
        sources.setdefault(slug, FieldSource(field=f)).static_value = None if value is None else str(value)
    ordered = {slug: sources[slug] for slug in module.slugs if slug in sources}
    if not ordered:
        # Nothing to import: every row would fail; a client that sent this has a mapping bug to see.
        raise InvalidMapping(f"columnMapping maps no column to a field of module {module.slug!r} (and there are no "
                             "staticValues): map at least one column; suggest-mapping proposes a mapping")
    derive = (module.slug == "contacts" and "displayName" not in ordered
              and ("firstName" in ordered or "lastName" in ordered))
    return MappingPlan(module=module, sources=ordered, derive_display_name=derive)


def _value_type(f: FieldDef, given: str | None, where: str) -> str:
    default = f.default_value_type or "Other"
    if given is None or given == "":
        return default
    for t in f.value_types:
        if t.lower() == given.strip().lower():
            return t
    raise InvalidMapping(f"{where}: valueType {given!r} is not one of {', '.join(f.value_types)} for {f.slug!r}")


_MATCH_KINDS = {"email": "email", "phone": "phone", "number": "number", "currency": "number",
                "percent": "number", "multi_select": "multi_select"}
_UNMATCHABLE = {"address", "reference", "long_text"}


def match_fields(module: ModuleDef, slugs: list[str] | None) -> list[MatchField]:
    """The duplicate match fields of a request (the module's defaults when none are named)."""
    chosen = list(dict.fromkeys(slugs)) if slugs else list(module.default_match_fields)
    result = []
    for slug in chosen:
        f = module.field(slug)
        if f is None:
            raise InvalidOption(f"duplicateMatchFields: {slug!r} is not a field of module {module.slug!r}")
        if f.data_type in _UNMATCHABLE:
            raise InvalidOption(f"duplicateMatchFields: {slug!r} is a {f.data_type} field and cannot identify a record")
        result.append(MatchField(slug=slug, kind=_MATCH_KINDS.get(f.data_type, "text")))
    return result
