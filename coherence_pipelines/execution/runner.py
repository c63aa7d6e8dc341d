"""The import, start to finish: validate (a dry run that also previews the effect) and execute (chunks,
each committed whole, with the job's progress).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl

from coherence_pipelines.errors import CoherenceError, InvalidOption, JobNotRollbackable, TooManyRows
from coherence_pipelines.execution.chunk import ChunkOutcome, ChunkSettings, apply_chunk
from coherence_pipelines.execution.column_mapping import ColumnMapping, match_fields, plan_mapping
from coherence_pipelines.execution.duplicates import duplicate_errors, in_file_duplicates
from coherence_pipelines.execution.ids import new_job_id
from coherence_pipelines.execution.jobs import MAX_JOB_ERRORS, new_job, utcnow
from coherence_pipelines.execution.liveness import runner_id
from coherence_pipelines.execution.prepare import ERRORS_SCHEMA, PreparedRows, prepare_rows
from coherence_pipelines.execution.record_frame import encode
from coherence_pipelines.execution.references import ReferenceOutcome, reference_fields
from coherence_pipelines.modules.fields import ModuleDef
from coherence_pipelines.settings import CHUNK_ROWS, MAX_CHUNK_ROWS, STREAM_MAX_ROWS, SYNC_MAX_ROWS
from coherence_pipelines.store.base import ChangedSince, RecordStore, StoreSession
from coherence_pipelines.validation import NormalizeContext

STRATEGIES = ("skip", "update", "create")
MERGE_MODES = ("fill_empty", "overwrite", "prefer_import")
MAX_REPORTED = 1_000  # errors and warnings in one answer; the counts are always complete
COUNTERS = ("processed_rows", "success_rows", "created_rows", "updated_rows", "error_rows", "skipped_rows")


@dataclass
class ImportOptions:
    column_mapping: list[ColumnMapping]
    duplicate_strategy: str = "skip"
    duplicate_match_fields: list[str] | None = None
    merge_mode: str = "prefer_import"
    ai_mapping_used: bool = False
    skip_validation: bool = False
    create_missing_references: bool = False
    static_values: dict[str, Any] | None = None
    date_order: str | None = None  # kept with the job, so that a background run reads dates the same way
    save_mapping_as: str | None = None  # a template name the mapping is saved under when the import completes

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ImportOptions:
        """The options as a job keeps them (`options_doc`), e.g. for a background run."""
        return cls(column_mapping=[ColumnMapping.from_api(m) for m in doc.get("columnMapping", [])],
                   duplicate_strategy=doc.get("duplicateStrategy", "skip"),
                   duplicate_match_fields=doc.get("duplicateMatchFields") or None,
                   merge_mode=doc.get("mergeMode", "prefer_import"), ai_mapping_used=bool(doc.get("aiMappingUsed")),
                   skip_validation=bool(doc.get("skipValidation")),
                   create_missing_references=bool(doc.get("createMissingReferences")),
                   static_values=doc.get("staticValues") or None, date_order=doc.get("dateOrder"),
                   save_mapping_as=doc.get("saveMappingAs"))

    def check(self) -> None:
        if self.duplicate_strategy not in STRATEGIES:
            raise InvalidOption(f"duplicateStrategy must be one of {', '.join(STRATEGIES)}")
        if self.merge_mode not in MERGE_MODES:
            raise InvalidOption(f"mergeMode must be one of {', '.join(MERGE_MODES)}")
        if self.date_order not in (None, "MDY", "DMY", "YMD"):
            raise InvalidOption("dateOrder must be MDY, DMY or YMD")
        if self.save_mapping_as is not None and not 0 < len(self.save_mapping_as.strip()) <= 100:
            raise InvalidOption("saveMappingAs must be a name of 1 to 100 characters")


@dataclass
class ImportSource:
    rows: pl.DataFrame  # `_row` (1-based) plus one pl.String column per source column
    file_name: str | None = None
    file_type: str | None = None
    upload_id: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


@dataclass
class _Planned:
    prepared: PreparedRows
    errors: pl.DataFrame  # every refused row's errors (validation, in-file duplicates)
    warnings: pl.DataFrame
    importable: pl.DataFrame  # rows to hand to the chunks
    chunk: ChunkSettings
    incoming: pl.DataFrame | None = None  # (id, data JSON) of the importable rows, when there are match fields
    extra: list[str] = field(default_factory=list)


def chunk_rows(total_rows: int) -> int:
    """Rows per chunk: CHUNK_ROWS, or a quarter of a large import (at most MAX_CHUNK_ROWS). Each chunk's
    fixed costs (finding its records among all the module's, the commit, the checkpoints its changes bring
    on) fall with fewer, larger chunks, and DuckDB writes an append of a whole row group (122,880 rows)
    straight to the file instead of through its log: a 1M-row update import took 9.6 s in ten chunks,
    8.6 s in five and 7.6 s in four, its peak memory then 1.23, 1.32 and 1.45 GB (MAX_CHUNK_ROWS bounds that
    share). It depends on the total alone, so a resumed import cuts its chunks where the first attempt did."""
    return min(MAX_CHUNK_ROWS, max(CHUNK_ROWS, -(-total_rows // 4)))


def processing_mode(total_rows: int) -> str:
    if total_rows <= SYNC_MAX_ROWS:
        return "sync"
    return "stream" if total_rows <= STREAM_MAX_ROWS else "background"


def rows_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows sent as JSON objects -> `_row` plus text columns (numbers and booleans become their text)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    data = {c: [_text(r.get(c)) for r in rows] for c in columns}
    frame = pl.DataFrame(data, schema={c: pl.String for c in columns}) if columns else pl.DataFrame()
    return frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


class ImportRunner:
    def __init__(self, store: RecordStore, account_id: str, module: ModuleDef, options: ImportOptions,
                 ctx: NormalizeContext | None = None) -> None:
        options.check()
        self.store, self.account_id, self.module, self.options = store, account_id, module, options
        self.ctx = ctx or NormalizeContext()
        if options.date_order and not self.ctx.date_order:
            self.ctx = dataclasses.replace(self.ctx, date_order=options.date_order)
        self.plan = plan_mapping(module, options.column_mapping, options.static_values)
        self.match = (match_fields(module, options.duplicate_match_fields)
                      if options.duplicate_strategy != "create" else [])

    # validate ----------------------------------------------------------------------------------------
    def validate(self, source: ImportSource) -> dict[str, Any]:
        planned = self._plan(source, job_id=None)
        total = source.rows.height
        error_rows = planned.errors.get_column("row").n_unique()
        with self.store.session() as session:
            outcome = apply_chunk(session, planned.chunk, planned.importable, 0)
        warnings = _warnings(planned.prepared.file_warnings, planned.warnings)
        warnings += [w for o in planned.chunk.references.values() if (w := o.warning())]
        return {
            "isValid": error_rows == 0,
            "totalRows": total,
            "validRows": total - error_rows,
            "errorRows": error_rows,
            "errors": _errors(planned.errors),
            "warnings": warnings[:MAX_REPORTED],
            "preview": {
                "toCreate": len(outcome.created_ids),
                "toUpdate": len(outcome.updated_ids),
                "toSkip": len(outcome.skipped_rows),
                "referencesToCreate": {o.field.slug: len(o.created) for o in planned.chunk.references.values()
                                       if o.created},
            },
            "notes": planned.prepared.notes,
        }

    # execute -----------------------------------------------------------------------------------------
    def execute(self, source: ImportSource, *, job_id: str | None = None, max_rows: int | None = STREAM_MAX_ROWS,
                on_progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """Run the import in chunks, each committed whole with the job's progress.

        `job_id` of an existing job resumes it after the last committed chunk (a retried or re-executed
        run), so every row is imported exactly once. `max_rows`: the most this caller runs inline
        (None: no limit, as for the CLI and Dagster runs). The source is taken over: once its rows are planned,
        `source.rows` keeps their `_row` numbers only.
        """
        total = source.rows.height
        mode = processing_mode(total)
        if max_rows is not None and total > max_rows:
            raise TooManyRows(f"{total} rows: more than {max_rows:,} rows run in the background")
        job_id = job_id or new_job_id()
        with self.store.session() as session:
            job = session.get_job(self.account_id, job_id)
            if job is None:
                job = self.new_job(job_id, source, mode)
                session.insert_job(job)
                job = session.get_job(self.account_id, job_id)
        assert job is not None
        if job["status"] in ("completed", "cancelled"):
            raise JobNotRollbackable(f"Import job {job_id} has already {job['status']}; it does not run again")
        try:
            with self.store.holding():
                result = self._run(source, job, on_progress)
            for key in ("createdRecordIds", "updatedRecordIds"):
                result[key] = result[key].to_list()
            return result
        except Exception as exc:
            message = exc.message if isinstance(exc, CoherenceError) else f"{type(exc).__name__}: {exc}"
            with self.store.session() as session:
                session.update_job(job_id, {"status": "failed", "failure": message, "completed_at": utcnow()})
            raise

    def new_job(self, job_id: str, source: ImportSource, mode: str) -> dict[str, Any]:
        return new_job(job_id, self.account_id, self.module.slug, processing_mode=mode, total_rows=source.rows.height,
                       duplicate_strategy=self.options.duplicate_strategy,
                       ai_mapping_used=self.options.ai_mapping_used, file_name=source.file_name,
                       file_type=source.file_type, upload_id=source.upload_id, options=self.options_doc())

    def _run(self, source: ImportSource, job: dict[str, Any],
             on_progress: Callable[[dict[str, Any]], None] | None) -> dict[str, Any]:
        job_id = job["job_id"]
        with self.store.session() as session:
            session.update_job(job_id, {"status": "processing", "started_at": job["started_at"] or utcnow(),
                                        "completed_at": None, "failure": None, "runner": runner_id(),
                                        "heartbeat_at": utcnow()})
            done_before = session.job_lineage(job_id)
        planned = self._plan(source, job_id=job_id)
        headers = [c for c in source.rows.columns if c != "_row"]
        # Planned, the rows' text is not read again: the import takes the source over and keeps their numbers
        # only (a million rows' cells, held to the end, were 70 MB of its peak).
        source.rows = source.rows.select("_row")
        size = chunk_rows(source.rows.height)
        if planned.chunk.strategy != "create" and self.match and planned.importable.height > size:
            self._match_once(planned)
        # Resuming: records the earlier attempt updated stay claimed, so no later row updates them twice.
        planned.chunk.claimed = done_before.filter(pl.col("action") == "updated").select(
            "record_id", pl.lit(0, dtype=pl.Int64).alias("claimed_by"))
        refused_rows = planned.errors.get_column("row").unique()
        counters = {k: int(job[k]) for k in COUNTERS}
        kept_errors: list[dict] = list(job["errors"] or [])
        all_rows = source.rows.get_column("_row")
        written: dict[str, list[pl.Series]] = {"created": [], "updated": []}  # this attempt's ids, chunk by chunk
        # An earlier attempt's chunks are committed: go on after the last of them, whatever its chunk size.
        for start in range(counters["processed_rows"], max(len(all_rows), 1), size):
            chunk_no = start // size
            window = all_rows.slice(start, size)
            lo, hi = (window.min(), window.max()) if window.len() else (0, -1)
            rows = planned.importable.filter(pl.col("_row").is_between(lo, hi))
            with self.store.session() as session:
                outcome = apply_chunk(session, planned.chunk, rows, chunk_no)
                chunk_errors = pl.concat([planned.errors.filter(pl.col("row").is_between(lo, hi)),
                                          _conflict_errors(outcome, self.match)])
                kept_errors += _errors(chunk_errors)[: max(MAX_JOB_ERRORS - len(kept_errors), 0)]
                counters["processed_rows"] += window.len()
                counters["created_rows"] += len(outcome.created_ids)
                counters["updated_rows"] += len(outcome.updated_ids)
                written["created"].append(outcome.created_ids)
                written["updated"].append(outcome.updated_ids)
                counters["success_rows"] += len(outcome.created_ids) + len(outcome.updated_ids)
                counters["skipped_rows"] += len(outcome.skipped_rows)
                counters["error_rows"] += int(refused_rows.is_between(lo, hi).sum()) + len(outcome.conflicts)
                session.update_job(job_id, {**counters, "errors": kept_errors, "heartbeat_at": utcnow()})
            if on_progress:
                on_progress({"importJobId": job_id, "status": "processing", "totalRows": len(all_rows),
                             **_camel(counters)})
        failed = counters["error_rows"] == len(all_rows) and len(all_rows) > 0
        reference_warnings = [w for o in planned.chunk.references.values() if (w := o.warning())]
        status = "failed" if failed else "completed"
        with self.store.session() as session:
            session.update_job(job_id, {"status": status, "completed_at": utcnow(),
                                        "reference_warnings": reference_warnings,
                                        "failure": "Every row had errors" if failed else None})
            ids = _written_ids(written) if done_before.is_empty() else _lineage_ids(session, job_id, self.module.slug)
            if status == "completed":
                mapping = [m.to_api() for m in self.options.column_mapping]
                remembered = {"encoding": source.encoding, "delimiter": source.delimiter,
                              "date_order": self.ctx.date_order}
                session.save_mapping(self.account_id, self.module.slug, headers, mapping, job_id, remembered)
                if self.options.save_mapping_as:
                    session.save_template(self.account_id, self.module.slug, self.options.save_mapping_as,
                                          {"headers": headers, "column_mapping": mapping, **remembered})
        return {
            "importJobId": job_id,
            "status": status,
            "processingMode": job["processing_mode"],
            "totalRows": len(all_rows),
            **{k: v for k, v in _camel(counters).items() if k != "processedRows"},
            # Series here, lists once the store's file is released (`execute`): a million ids as Python strings
            # are not held while the store checkpoints.
            "createdRecordIds": ids["created"],
            "updatedRecordIds": ids["updated"],
            "errors": kept_errors[:MAX_REPORTED],
            "warnings": _warnings(planned.prepared.file_warnings, planned.warnings)[:MAX_REPORTED],
            "referenceWarnings": reference_warnings,
        }

    def _match_once(self, planned: _Planned) -> None:
        """Match every importable row in one pass over the module's records, instead of one pass per chunk;
        the chunks then recheck only what other writers changed after this pass began."""
        incoming = planned.incoming
        assert incoming is not None  # there are match fields
        with self.store.session() as session:
            session.lock_modules(self.account_id, [self.module.slug])
            # By the store's clock, as every chunk stamps its writes; a second's margin: a clock stepping back
            # must not hide a write from the recheck.
            since = session.clock() - timedelta(seconds=1)
            found = session.find_matches(self.account_id, self.module.slug, incoming, self.match)
        # One chunk, not DuckDB's thousands of 2,048-row batches: every chunk joins against it.
        planned.chunk.prematched = found.select(pl.col("_row").cast(pl.Int64), "record_id").rechunk()
        planned.chunk.recheck = ChangedSince(since=since)
        planned.chunk.importable = planned.importable
        planned.incoming = None  # the JSON of a million rows is not kept for the rare recheck: it is re-made

    # shared ------------------------------------------------------------------------------------------
    def _plan(self, source: ImportSource, job_id: str | None) -> _Planned:
        prepared = prepare_rows(source.rows, self.plan, self.ctx)
        errors, warnings = prepared.errors, prepared.warnings
        if self.options.skip_validation:
            # Values that did not pass are left empty and reported as warnings; a row is refused only
            # when it cannot be a record at all (a required field is empty).
            required = errors.get_column("error").str.starts_with("Required field")
            warnings = pl.concat([warnings, errors.filter(~required).rename({"error": "message"})])
            errors = errors.filter(required)
        values = prepared.values.filter(~pl.col("_row").is_in(errors.get_column("row").implode()))
        prepared.values = prepared.values.clear()  # `values` holds what is importable; the rest is not kept
        incoming = None
        if self.match and values.height:
            # Matching reads the match fields only: a million rows' JSON of those is a fraction of the whole.
            slugs = [m.slug for m in self.match if m.slug in values.columns]
            incoming = pl.DataFrame({"id": values.get_column("_row"), "data": encode(values, slugs)})
            dups = in_file_duplicates(incoming, self.match)
            if dups.height:
                column = self._source_column(self.match[0].slug)
                errors = pl.concat([errors, duplicate_errors(dups, self.match, source.rows, column)]).sort("row")
                values = values.filter(~pl.col("_row").is_in(dups.get_column("_row").implode()))
                incoming = incoming.filter(~pl.col("id").is_in(dups.get_column("_row").implode()))
        mapped = [c for c in values.columns if c != "_row"]
        chunk = ChunkSettings(
            account_id=self.account_id, plan=self.plan, strategy=self.options.duplicate_strategy, match=self.match,
            merge_mode=self.options.merge_mode,  # type: ignore[arg-type]
            create_missing_references=self.options.create_missing_references,
            references={f.slug: ReferenceOutcome(field=f) for f in reference_fields(self.module, mapped)},
            job_id=job_id)
        return _Planned(prepared=prepared, errors=errors, warnings=warnings, importable=values, chunk=chunk,
                        incoming=incoming)

    def _source_column(self, slug: str) -> str | None:
        src = self.plan.sources.get(slug)
        if src is None:
            return None
        columns = src.columns or [c for c, _ in src.typed_columns]
        return columns[0] if columns else None

    def options_doc(self) -> dict[str, Any]:
        o = self.options
        return {"columnMapping": [m.to_api() for m in o.column_mapping], "duplicateStrategy": o.duplicate_strategy,
                "duplicateMatchFields": [m.slug for m in self.match], "mergeMode": o.merge_mode,
                "aiMappingUsed": o.ai_mapping_used,
                "skipValidation": o.skip_validation, "createMissingReferences": o.create_missing_references,
                "staticValues": o.static_values or {}, "dateOrder": self.ctx.date_order,
                "saveMappingAs": o.save_mapping_as}


def _written_ids(written: dict[str, list[pl.Series]]) -> dict[str, pl.Series]:
    """The ids a fresh job wrote, from its chunks' outcomes: the lineage of a million records is not read back."""
    empty = pl.Series("record_id", [], dtype=pl.String)
    return {action: pl.concat(parts) if parts else empty for action, parts in written.items()}


def _lineage_ids(session: StoreSession, job_id: str, module: str) -> dict[str, pl.Series]:
    """A resumed job's ids, earlier attempts' included: from its lineage."""
    lineage = session.job_lineage(job_id).filter(pl.col("module") == module)
    return {action: lineage.filter(pl.col("action") == action).get_column("record_id")
            for action in ("created", "updated")}


def _conflict_errors(outcome: ChunkOutcome, match: list) -> pl.DataFrame:
    label = " and ".join(m.slug for m in match)
    return pl.DataFrame([{"row": row, "field": match[0].slug if match else None, "value": None,
                          "error": (f"Matches the same record as row {first} ({label})" if first > 0 else
                                    f"Matches a record this import already updated ({label})")}
                         for row, first in outcome.conflicts], schema=ERRORS_SCHEMA)


def _errors(errors: pl.DataFrame) -> list[dict]:
    return errors.head(MAX_REPORTED).to_dicts()


def _warnings(file_warnings: list[dict], warnings: pl.DataFrame) -> list[dict]:
    return file_warnings + warnings.head(MAX_REPORTED).to_dicts()


def _camel(counters: dict[str, int]) -> dict[str, int]:
    out = {}
    for key, value in counters.items():
        head, *rest = key.split("_")
        out[head + "".join(p.title() for p in rest)] = int(value)
    return out
