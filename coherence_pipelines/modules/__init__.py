"""The module and field registry: built-in modules plus each account's custom ones."""

from coherence_pipelines.modules.fields import ADDRESS_PARTS, FieldDef, ModuleDef
from coherence_pipelines.modules.registry import builtin_modules, merge_definitions, parse_custom_definition

__all__ = ["ADDRESS_PARTS", "FieldDef", "ModuleDef", "builtin_modules", "merge_definitions",
           "parse_custom_definition"]
