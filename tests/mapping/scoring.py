"""How right `suggest_mapping` is on the corpus of published header rows (tests/mapping/corpus).

    python -m tests.mapping.scoring [--holdout] [--misses] [--markdown] [--format NAME]

A column is right when the suggestion equals the expectation: the same target field (or no
suggestion when none is expected), the same valueType and the same addressPart. Reported per format
and overall:

- all columns: share of columns that are right;
- expected field: share of right columns among those that expect a field;
- valueType: among columns that expect an email or phone field, share with the right field and type;
- addressPart: among columns that expect the address field, share with the right part;
- precision >= 0.9: share of right suggestions among those made with confidence 0.9 or more.

`--holdout` scores tests/mapping/holdout instead: tools and sheets the suggester was not tuned on.

The timing is the median of a few `suggest_mapping` calls on 100 columns with 50 sample rows, the
header cache emptied before each call so every header is matched afresh (the process is warm).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from coherence_pipelines.mapping import suggest_mapping
from coherence_pipelines.mapping.header_matching import clear_header_cache
from coherence_pipelines.modules import ADDRESS_PARTS, builtin_modules
from coherence_pipelines.modules.fields import ModuleDef

CORPUS = Path(__file__).parent / "corpus"
HOLDOUT = Path(__file__).parent / "holdout"
CONFIDENT = 0.9


class _StringLoader(yaml.SafeLoader):
    """YAML whose scalars stay text ("0049", "yes", 2024-01-15 are sample values, not numbers or dates)."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Target:
    field: str | None
    value_type: str | None = None
    address_part: str | None = None

    @classmethod
    def parse(cls, spec: str | None) -> Target:
        """"firstName", "phone/Mobile", "address.city" or None."""
        if spec is None:
            return cls(None)
        if "/" in spec:
            slug, value_type = spec.split("/", 1)
            return cls(slug, value_type=value_type)
        if "." in spec:
            slug, part = spec.split(".", 1)
            return cls(slug, address_part=part)
        return cls(spec)

    def __str__(self) -> str:
        if self.field is None:
            return "-"
        return self.field + (f"/{self.value_type}" if self.value_type else "") + (
            f".{self.address_part}" if self.address_part else "")


@dataclass
class Table:
    format: str
    name: str
    module: str
    columns: list[str]
    expected: list[Target]
    rows: list[dict[str, str]]


def _check(table: Table, module: ModuleDef, path: Path) -> None:
    for column, target in zip(table.columns, table.expected, strict=True):
        where = f"{path.name} / {table.name} / {column!r}"
        if target.field is None:
            continue
        f = module.field(target.field)
        if f is None:
            raise ValueError(f"{where}: {target.field!r} is not a field of {module.slug}")
        if target.value_type is not None and target.value_type not in f.value_types:
            raise ValueError(f"{where}: {target.value_type!r} is not a value type of {f.slug}")
        if target.address_part is not None and (not f.is_address or target.address_part not in ADDRESS_PARTS):
            raise ValueError(f"{where}: {target.address_part!r} is not an address part")


def load_corpus(directory: Path = CORPUS) -> list[Table]:
    """Every table of every corpus file, checked against the built-in modules."""
    modules = builtin_modules()
    tables: list[Table] = []
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_StringLoader)  # noqa: S506 - safe loader
        for raw in doc["tables"]:
            columns = [str(c[0]) for c in raw["columns"]]
            samples: dict[str, list[str]] = raw.get("samples") or {}
            unknown = set(samples) - set(columns)
            if unknown:
                raise ValueError(f"{path.name} / {raw['name']}: samples for unknown columns {sorted(unknown)}")
            depth = max((len(v) for v in samples.values()), default=0)
            rows = [{c: (samples[c][i] if c in samples and i < len(samples[c]) else "") for c in columns}
                    for i in range(depth)]
            table = Table(doc["format"], raw["name"], raw["module"], columns,
                          [Target.parse(c[1]) for c in raw["columns"]], rows)
            _check(table, modules[table.module], path)
            tables.append(table)
    return tables


@dataclass
class Miss:
    table: str
    column: str
    expected: Target
    got: Target
    confidence: float


@dataclass
class Counts:
    columns: int = 0
    right: int = 0
    expect_field: int = 0
    expect_field_right: int = 0
    value_type: int = 0
    value_type_right: int = 0
    address_part: int = 0
    address_part_right: int = 0
    confident: int = 0
    confident_right: int = 0
    misses: list[Miss] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        for name in ("columns", "right", "expect_field", "expect_field_right", "value_type", "value_type_right",
                     "address_part", "address_part_right", "confident", "confident_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)

    @staticmethod
    def share(right: int, total: int) -> float | None:
        return right / total if total else None

    @property
    def accuracy(self) -> float | None:
        return self.share(self.right, self.columns)

    @property
    def field_accuracy(self) -> float | None:
        return self.share(self.expect_field_right, self.expect_field)

    @property
    def value_type_accuracy(self) -> float | None:
        return self.share(self.value_type_right, self.value_type)

    @property
    def address_part_accuracy(self) -> float | None:
        return self.share(self.address_part_right, self.address_part)

    @property
    def confident_precision(self) -> float | None:
        return self.share(self.confident_right, self.confident)


_MULTI_VALUE = {"email", "phone"}


def score_table(table: Table, modules: dict[str, ModuleDef]) -> Counts:
    module = modules[table.module]
    suggestions = suggest_mapping(module, table.columns, table.rows or None)
    counts = Counts()
    for column, expected, s in zip(table.columns, table.expected, suggestions, strict=True):
        got = Target(s.target_field_slug, s.value_type, s.address_part)
        right = got == expected
        counts.columns += 1
        counts.right += right
        if expected.field is not None:
            counts.expect_field += 1
            counts.expect_field_right += right
            data_type = module.field(expected.field).data_type
            if data_type in _MULTI_VALUE:
                counts.value_type += 1
                counts.value_type_right += right
            elif data_type == "address":
                counts.address_part += 1
                counts.address_part_right += right
        if got.field is not None and s.confidence >= CONFIDENT:
            counts.confident += 1
            counts.confident_right += right
        if not right:
            counts.misses.append(Miss(table.name, column, expected, got, s.confidence))
    return counts


def score(tables: Iterable[Table]) -> dict[str, Counts]:
    """Counts per format, in corpus order."""
    modules = builtin_modules()
    by_format: dict[str, Counts] = {}
    for table in tables:
        by_format.setdefault(table.format, Counts()).add(score_table(table, modules))
    return by_format


def overall(by_format: dict[str, Counts]) -> Counts:
    total = Counts()
    for counts in by_format.values():
        total.add(counts)
    return total


def timing_ms(tables: Sequence[Table], columns: int = 100, rows: int = 50, runs: int = 7) -> float:
    """Median milliseconds of suggest_mapping on `columns` contacts columns and `rows` sample rows."""
    headers: list[str] = []
    values: dict[str, list[str]] = {}
    for table in tables:
        if table.module != "contacts":
            continue
        for column in table.columns:
            if column not in values:
                headers.append(column)
                values[column] = [r[column] for r in table.rows] or [""]
        if len(headers) >= columns:
            break
    headers = headers[:columns]
    sample = [{h: values[h][i % len(values[h])] for h in headers} for i in range(rows)]
    contacts = builtin_modules()["contacts"]
    suggest_mapping(contacts, headers, sample)  # build the module index once
    times = []
    for _ in range(runs):
        clear_header_cache()
        start = time.perf_counter()
        suggest_mapping(contacts, headers, sample)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _rows(by_format: dict[str, Counts]) -> list[list[str]]:
    out = []
    for name, c in [*by_format.items(), ("Overall", overall(by_format))]:
        out.append([name, str(c.columns), _pct(c.accuracy), _pct(c.field_accuracy), _pct(c.value_type_accuracy),
                    _pct(c.address_part_accuracy), f"{_pct(c.confident_precision)} ({c.confident})"])
    return out


HEADINGS = ["Format", "Columns", "All columns", "Expected field", "valueType", "addressPart", "Precision ≥ 0.9 (n)"]


def render(by_format: dict[str, Counts], markdown: bool) -> str:
    rows = _rows(by_format)
    if markdown:
        lines = ["| " + " | ".join(HEADINGS) + " |", "|" + "---|" * len(HEADINGS)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [HEADINGS, *rows]) for i in range(len(HEADINGS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in [HEADINGS, *rows])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list every wrong column")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--format", help="only the formats whose name contains this text")
    parser.add_argument("--holdout", action="store_true", help="score the held-out corpus")
    args = parser.parse_args(argv)
    tables = load_corpus(HOLDOUT if args.holdout else CORPUS)
    chosen = [t for t in tables if not args.format or args.format.lower() in t.format.lower()]
    by_format = score(chosen)
    print(render(by_format, args.markdown))
    print(f"\n100 columns, 50 sample rows: {timing_ms(tables):.1f} ms (median, headers matched afresh)")
    if args.misses:
        print()
        for m in overall(by_format).misses:
            print(f"{m.table:38.38} {m.column[:44]:44} want {m.expected!s:22} got {m.got!s:22} {m.confidence:.2f}")


if __name__ == "__main__":
    main()
