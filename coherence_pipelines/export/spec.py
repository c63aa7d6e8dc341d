"""What an export asks for: the document's `config` (columns, labels, headers, date format, title,
description, sort, limit) plus report filters, checked against the module before anything is read."""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from coherence_pipelines.errors import InvalidExportConfig
from coherence_pipelines.modules import ModuleDef
from coherence_pipelines.modules.fields import NUMERIC_TYPES
from coherence_pipelines.validation.booleans import WORDS

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
_STRFTIME_DIRECTIVES = set("aAbBdHIjmMpSyYzZ")
# Left to right, so that `%%` is read as one literal percent sign: `100%% %Y` is fine, `%Y%` is not.
_PERCENT_RE = re.compile(r"%(.?)", re.DOTALL)


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
        op = f["op"]
        if op not in FILTER_OPS:
            raise InvalidExportConfig(f"filters[{i}].op {op!r} is not one of {', '.join(FILTER_OPS)}")
        value = f.get("value")
        if op == "in" and (not isinstance(value, list) or not all(_is_scalar(v) for v in value)):
            raise InvalidExportConfig(f"filters[{i}]: 'in' takes a list of values (text, number or boolean)")
        if op not in ("is_empty", "not_empty", "in") and not _is_scalar(value):
            raise InvalidExportConfig(f"filters[{i}]: {op!r} takes one value (text, number or boolean)")
        checked = Filter(field=f["field"], op=op, value=value)
        _checked_values(module, checked, f"filters[{i}] on {f['field']!r}")
        out.append(checked)
    return out


def filter_values(f: Filter) -> list[Any]:
    if f.op in ("is_empty", "not_empty"):
        return []
    return list(f.value) if f.op == "in" else [f.value]


def number_value(value: Any, where: str) -> float:
    """A filter's number, given as a number or as its text (`7`, `"7"`, `" 7.5 "`, `"1e3"`)."""
    number = None
    if isinstance(value, int | float | str) and not isinstance(value, bool):  # True is no count of anything
        with contextlib.suppress(ValueError, OverflowError):
            number = float(value)
    if number is None or not math.isfinite(number):
        raise InvalidExportConfig(f"{where}: {value!r} is not a number")
    return number


def yes_no_value(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    word = WORDS.get(str(value).strip().lower())
    if word is None:
        raise InvalidExportConfig(f"{where}: {value!r} is not a yes/no value")
    return word


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _checked_values(module: ModuleDef, f: Filter, where: str) -> None:
    """Refuses, before anything is read, a value its field could never be compared with."""
    field = module.field(f.field)
    kind = field.data_type if field is not None else None
    if kind in NUMERIC_TYPES and f.op != "contains":
        for v in filter_values(f):
            number_value(v, where)
    elif kind == "boolean":
        if f.op == "contains":
            raise InvalidExportConfig(f"{where}: 'contains' does not apply to a yes/no field; use eq")
        for v in filter_values(f):
            yes_no_value(v, where)


def strftime_pattern(date_format: str | None) -> str | None:
    """A strftime pattern from either strftime (`%d/%m/%Y`) or token (`DD/MM/YYYY`) notation."""
    if date_format is None:
        return None
    if not isinstance(date_format, str) or not date_format.strip() or len(date_format) > 64:
        raise InvalidExportConfig("dateFormat must be a short pattern such as 'YYYY-MM-DD' or '%d/%m/%Y'")
    if "%" in date_format:
        directives = _PERCENT_RE.findall(date_format)
        if not set(directives) <= _STRFTIME_DIRECTIVES | {"%"} or not set(directives) - {"%"}:
            raise InvalidExportConfig(f"dateFormat {date_format!r}: use %Y %m %d %H %M %S %b %B %a %A %p %y %j "
                                      "%z %Z (and %% for a percent sign)")
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
