"""`coherence import`: the whole import of one file (parse, map, validate, execute) on the store."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import polars as pl

from coherence_pipelines.errors import ImportJobNotFound, InvalidMapping, InvalidOption, ModuleNotFound
from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource
from coherence_pipelines.mapping.memory import choose_mapping
from coherence_pipelines.modules import ModuleDef, merge_definitions
from coherence_pipelines.parsing import parse_file, safe_file_name
from coherence_pipelines.settings import PREVIEW_ROWS, get_settings
from coherence_pipelines.store import RecordStore, StoreSession
from coherence_pipelines.validation import NormalizeContext


def load_mapping(mapping: str, module: ModuleDef, columns: list[str], sample: list[dict], session: StoreSession,
                 account_id: str) -> tuple[list[ColumnMapping], str | None]:
    """(the column mapping, the date order remembered with it). `mapping`: "auto" (the remembered mapping,
    else suggestions), "template:NAME", or a JSON file with a columnMapping."""
    if mapping == "auto" or mapping.startswith("template:"):
        template = mapping.removeprefix("template:").strip() if mapping.startswith("template:") else None
        choice = choose_mapping(session, account_id, module, columns, sample, template)
        for warning in choice.recalled.warnings() if choice.recalled else []:
            sys.stderr.write(f"warning: {warning}\n")
        date_order = choice.recalled.date_order if choice.recalled else None
        return [ColumnMapping.from_api(m) for m in choice.column_mapping], date_order
    try:
        doc = json.loads(Path(mapping).read_text())
    except (OSError, ValueError) as exc:
        raise InvalidMapping(f"--mapping {mapping}: not a readable JSON file ({exc})") from None
    items = doc.get("columnMapping") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not all(isinstance(i, dict) and "sourceColumn" in i for i in items):
        raise InvalidMapping(f"--mapping {mapping}: expected a list of {{sourceColumn, targetFieldSlug, ...}}")
    return [ColumnMapping.from_api(i) for i in items], None


def parse_static(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field:
            raise InvalidOption(f"--static {pair!r}: write FIELD=VALUE")
        out[field.strip()] = value
    return out


def run_import(store: RecordStore, file: Path, module_slug: str, account: str, mapping: str, duplicates: str,
               match: list[str], merge: str, create_missing_references: bool, static: tuple[str, ...],
               progress: bool = False, resume: str | None = None) -> dict[str, Any]:
    """The whole import of `file`; with `resume`, the job of that id goes on after its last committed
    chunk, with the options it was started with (the other options are not used)."""
    with store.session() as session:
        account_id = session.ensure_account(account)
        modules = merge_definitions(session.custom_modules(account_id))
        job = session.get_job(account_id, resume) if resume else None
    if resume and job is None:
        raise ImportJobNotFound(f"Import job not found: {resume} of account {account!r}")
    module = modules.get(job["module"] if job else module_slug)
    if module is None:
        raise ModuleNotFound(f"Module not found: {module_slug!r}")
    parsed = parse_file(file)
    if job is not None:
        if parsed.frame.height != job["total_rows"]:
            raise InvalidOption(f"--resume {resume}: the job imports {job['total_rows']} rows and this file has "
                                f"{parsed.frame.height}: resume it with the file it started with")
        options = ImportOptions.from_doc(job["options"] or {})
    else:
        sample = parsed.frame.head(PREVIEW_ROWS).to_dicts()
        with store.session() as session:
            column_mapping, date_order = load_mapping(mapping, module, parsed.columns, sample, session, account_id)
        options = ImportOptions(column_mapping=column_mapping, duplicate_strategy=duplicates,
                                duplicate_match_fields=match or None, merge_mode=merge, ai_mapping_used=False,
                                create_missing_references=create_missing_references,
                                static_values=parse_static(static), date_order=date_order)
    rows = parsed.frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    runner = ImportRunner(store, account_id, module, options, NormalizeContext(region=get_settings().default_region))
    total = rows.height

    def show(p: dict[str, Any]) -> None:
        done = p["processedRows"]
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows")
        sys.stderr.flush()

    source = ImportSource(rows=rows, file_name=safe_file_name(file.name), file_type=parsed.file_type,
                          encoding=parsed.encoding, delimiter=parsed.delimiter)
    del parsed, rows  # the runner drops the cells once it has planned them: nothing else may hold them
    result = runner.execute(source, job_id=resume, max_rows=None, on_progress=show if progress else None)
    if progress:
        sys.stderr.write("\n")
    return result
