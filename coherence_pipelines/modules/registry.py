"""The module registry: the built-in modules plus each account's custom modules and fields.

A custom definition (YAML or JSON, loaded with `coherence modules load`) looks like::

    modules:
      projects:                 # a new module
        label: Projects
        default_match_fields: [displayName]
        fields:
          - {slug: displayName, label: Name, type: text, required: true}
          - {slug: budget, label: Budget, type: currency}
      contacts:                 # extra fields on a built-in module
        fields:
          - {slug: shoeSize, label: Shoe Size, type: number}
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from coherence_pipelines.errors import InvalidModuleDefinition
from coherence_pipelines.modules.fields import (
    FIELD_TYPES,
    SLUG_PATTERN,
    SYSTEM_FIELDS,
    FieldDef,
    ModuleDef,
)


def _field_from_dict(raw: dict[str, Any], where: str) -> FieldDef:
    slug = str(raw.get("slug", ""))
    if not SLUG_PATTERN.match(slug) or slug in SYSTEM_FIELDS:
        raise InvalidModuleDefinition(f"{where}: field slug {slug!r} must be a letter then letters, digits or _, "
                                      "and not a system field")
    data_type = str(raw.get("type", "text"))
    if data_type not in FIELD_TYPES:
        raise InvalidModuleDefinition(f"{where}.{slug}: unknown type {data_type!r} "
                                      f"(one of {', '.join(sorted(FIELD_TYPES))})")
    target = raw.get("target")
    if data_type == "reference" and not target:
        raise InvalidModuleDefinition(f"{where}.{slug}: a reference field needs a target module")
    return FieldDef(
        slug=slug,
        label=str(raw.get("label") or slug),
        data_type=data_type,
        required=bool(raw.get("required", False)),
        options=tuple(str(o) for o in raw.get("options", []) or []),
        open_options=bool(raw.get("open", False)),
        value_types=tuple(str(t) for t in raw.get("types", []) or []) or (
            ("Work", "Personal", "Other") if data_type == "email"
            else ("Mobile", "Work", "Home", "Fax", "Other") if data_type == "phone" else ()),
        target_module=str(target) if target else None,
        integer=bool(raw.get("integer", False)),
    )


def _module_from_dict(slug: str, raw: dict[str, Any], builtin: bool) -> ModuleDef:
    if not SLUG_PATTERN.match(slug):
        raise InvalidModuleDefinition(f"module slug {slug!r} must be a letter then letters, digits or _")
    fields = tuple(_field_from_dict(f, slug) for f in raw.get("fields", []) or [])
    seen: set[str] = set()
    for f in fields:
        if f.slug in seen:
            raise InvalidModuleDefinition(f"{slug}: field {f.slug!r} is defined twice")
        seen.add(f.slug)
    if "displayName" not in seen:
        raise InvalidModuleDefinition(f"{slug}: every module needs a displayName field")
    match = tuple(raw.get("default_match_fields") or ("displayName",))
    unknown = [m for m in match if m not in seen]
    if unknown:
        raise InvalidModuleDefinition(f"{slug}: default match fields {unknown} are not fields of the module")
    return ModuleDef(slug=slug, label=str(raw.get("label") or slug), fields=fields,
                     default_match_fields=match, builtin=builtin)


@cache
def builtin_modules() -> dict[str, ModuleDef]:
    text = resources.files("coherence_pipelines.modules").joinpath("builtin_modules.yaml").read_text()
    return {slug: _module_from_dict(slug, raw, builtin=True) for slug, raw in yaml.safe_load(text).items()}


def parse_custom_definition(text: str) -> dict[str, dict[str, Any]]:
    """Parse and check a custom definition; returns its `modules` mapping, ready to store."""
    try:
        doc = yaml.safe_load(text)  # YAML is a superset of JSON
    except yaml.YAMLError as exc:
        raise InvalidModuleDefinition(f"not valid YAML or JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("modules"), dict):
        raise InvalidModuleDefinition("the definition needs a top-level `modules` mapping")
    modules: dict[str, dict[str, Any]] = doc["modules"]
    merge_definitions(modules)  # raises on anything wrong
    return modules


def merge_definitions(custom: dict[str, dict[str, Any]]) -> dict[str, ModuleDef]:
    """The built-ins with an account's custom modules and fields laid over them."""
    result = dict(builtin_modules())
    for slug, raw in custom.items():
        if not isinstance(raw, dict):
            raise InvalidModuleDefinition(f"{slug}: a module definition must be a mapping")
        base = result.get(slug)
        if base is not None and base.builtin:
            extra = tuple(_field_from_dict(f, slug) for f in raw.get("fields", []) or [])
            clash = [f.slug for f in extra if base.has_field(f.slug)]
            if clash:
                raise InvalidModuleDefinition(f"{slug}: custom fields {clash} clash with built-in fields")
            result[slug] = ModuleDef(slug=slug, label=base.label, fields=base.fields + extra,
                                     default_match_fields=base.default_match_fields, builtin=True)
        else:
            result[slug] = _module_from_dict(slug, raw, builtin=False)
    for module in result.values():
        for f in module.fields:
            if f.target_module and f.target_module not in result:
                raise InvalidModuleDefinition(
                    f"{module.slug}.{f.slug}: reference target {f.target_module!r} is not a module")
    return result
