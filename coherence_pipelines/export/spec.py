"""What an export asks for: the document's `config` (columns, labels, headers, date format, title,
description, sort, limit) plus report filters, checked against the module before anything is read."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from coherence_pipelines.errors import InvalidExportConfig
from coherence_pipelines.modules import ModuleDef

FORMATS = ("csv", "pdf")
MAX_LIMIT = 100_000
DIRECT_MAX_ROWS = 10_000  # above this an export answers with an export job (the document's batch table)
FILTER_OPS = ("eq", "neq", "contains", "gt", "gte", "lt", "lte", "in", "is_empty", "not_empty")
SYSTEM_COLUMNS = {"id": "Record ID", "createdDateTime": "Created", "updatedDateTime": "Updated"}
# The document's default: "name, owner, dates".
DEFAULT_COLUMNS = ("displayName", "owner", "createdDateTime", "updatedDateTime")

# Moment.js-style tokens people write (`MM/DD/YYYY`), longest first so `MMMM` is not read as `MM` twice.
_DATE_TOKENS = [("YYYY", "%Y"), ("MMMM", "%B"), ("MMM", "%b"), ("dddd", "%A"), ("ddd", "%a"), ("YY", "%y"),
                ("MM", "%m"), ("DD", "%d"), ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"), ("A", "%p")]
_TOKEN_RE = re.compile("|".join(re.escape(t) for t, _ in _DATE_TOKENS))
_STRFTIME_RE = re.compile(r"%[aAbBdHIjmMpSyYzZ%]")
_UNKNOWN_STRFTIME = re.compile(r"%[^aAbBdHIjmMpSyYzZ%]")


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class ExportSpec:
    module: str
    format: str
    columns: tuple[str, ...]
    column_labels: dict[str, str] = field(default_factory=dict)
    include_headers: bool = True
    date_format: str | None = None  # strftime, converted from tokens when written as `YYYY-MM-DD`
    title: str | None = None
    description: str | None = None
    sort_field: str | None = None
    sort_direction: str = "desc"
    limit: int | None = None
    filters: tuple[Filter, ...] = ()

    def to_doc(self) -> dict[str, Any]:
        """The spec as JSON, kept with an export job so that a restarted job does the same export."""
        doc = asdict(self)
        doc["columns"] = list(self.columns)
        doc["filters"] = [asdict(f) for f in self.filters]
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ExportSpec:
        return cls(**{**doc, "columns": tuple(doc["columns"]),
                      "filters": tuple(Filter(**f) for f in doc.get("filters") or ())})

    def label(self, column: str, module: ModuleDef) -> str:
        if column in self.column_labels:
            return self.column_labels[column]
        f = module.field(column)
        return f.label if f else SYSTEM_COLUMNS[column]


def build_spec(module: ModuleDef, fmt: str, config: dict[str, Any] | None, *,
               base: dict[str, Any] | None = None) -> ExportSpec:
    """The checked spec of an export of `module`. `base` is a saved report's definition: its columns, sort
    and filters apply unless the config names its own, and the config's filters narrow the report's."""
    config = dict(config or {})
    base = base or {}
    if fmt not in FORMATS:
        raise InvalidExportConfig(f"Unsupported export format {fmt!r}: use 'csv' or 'pdf'")
    columns = config.get("columns") or base.get("columns") or _default_columns(module)
    columns = tuple(_checked_column(module, c, "columns") for c in columns)
    if len(set(columns)) != len(columns):
        raise InvalidExportConfig("columns: a column is listed twice")
    labels = config.get("columnLabels") or {}
    for key, label in labels.items():
        if key not in columns:
            raise InvalidExportConfig(f"columnLabels: {key!r} is not one of the exported columns")
        if not isinstance(label, str) or not label.strip():
            raise InvalidExportConfig(f"columnLabels: the label of {key!r} must be a non-empty string")
    sort_field = config.get("sortField") or base.get("sortField")
    if sort_field is not None:
        _checked_column(module, sort_field, "sortField")
    direction = config.get("sortDirection") or base.get("sortDirection") or ("asc" if sort_field else "desc")
    if direction not in ("asc", "desc"):
        raise InvalidExportConfig("sortDirection must be 'asc' or 'desc'")
    limit = config.get("limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT):
        raise InvalidExportConfig(f"limit must be a whole number from 1 to {MAX_LIMIT:,}")
    filters = (*checked_filters(module, base.get("filters")), *checked_filters(module, config.get("filters")))
    return ExportSpec(
        module=module.slug, format=fmt, columns=columns, column_labels={k: v.strip() for k, v in labels.items()},
        include_headers=bool(config.get("includeHeaders", True)),
        date_format=strftime_pattern(config.get("dateFormat")), title=_text(config.get("title"), "title", 200),
        description=_text(config.get("description"), "description", 2000),
        sort_field=sort_field, sort_direction=direction, limit=limit, filters=filters)


def checked_filters(module: ModuleDef, filters: list[Any] | None) -> list[Filter]:
    out = []
    for i, f in enumerate(filters or []):
        if not isinstance(f, dict) or set(f) - {"field", "op", "value"} or "field" not in f or "op" not in f:
            raise InvalidExportConfig(f"filters[{i}] must be an object with field, op and value")
        _checked_column(module, f["field"], f"filters[{i}].field")
        if f["op"] not in FILTER_OPS:
            raise InvalidExportConfig(f"filters[{i}].op {f['op']!r} is not one of {', '.join(FILTER_OPS)}")
        value = f.get("value")
        if f["op"] == "in" and not isinstance(value, list):
            raise InvalidExportConfig(f"filters[{i}]: 'in' takes a list of values")
        if f["op"] not in ("is_empty", "not_empty", "in") and (value is None or isinstance(value, dict | list)):
            raise InvalidExportConfig(f"filters[{i}]: {f['op']!r} takes one value (text, number or boolean)")
        out.append(Filter(field=f["field"], op=f["op"], value=value))
    return out


def strftime_pattern(date_format: str | None) -> str | None:
    """A strftime pattern from either strftime (`%d/%m/%Y`) or token (`DD/MM/YYYY`) notation."""
    if date_format is None:
        return None
    if not isinstance(date_format, str) or not date_format.strip() or len(date_format) > 64:
        raise InvalidExportConfig("dateFormat must be a short pattern such as 'YYYY-MM-DD' or '%d/%m/%Y'")
    if "%" in date_format:
        if _UNKNOWN_STRFTIME.search(date_format) or not _STRFTIME_RE.search(date_format):
            raise InvalidExportConfig(f"dateFormat {date_format!r}: use %Y %m %d %H %M %S %b %B %a %A %p %y")
        return date_format
    tokens = dict(_DATE_TOKENS)
    pattern = _TOKEN_RE.sub(lambda m: tokens[m.group(0)], date_format)
    if pattern == date_format:
        raise InvalidExportConfig(f"dateFormat {date_format!r} has no date part: use tokens such as YYYY, MM, DD")
    return pattern


def _default_columns(module: ModuleDef) -> tuple[str, ...]:
    return tuple(c for c in DEFAULT_COLUMNS if c in SYSTEM_COLUMNS or module.has_field(c))


def _checked_column(module: ModuleDef, column: Any, where: str) -> str:
    if not isinstance(column, str) or not (module.has_field(column) or column in SYSTEM_COLUMNS):
        raise InvalidExportConfig(f"{where}: {column!r} is not a field of module {module.slug!r}")
    return column


def _text(value: Any, name: str, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise InvalidExportConfig(f"{name} must be text of at most {max_length} characters")
    return value.strip() or None
