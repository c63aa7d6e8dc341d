"""One chunk of an import, applied in one store session: references, duplicate matching, merge, writes,
lineage and job progress commit together or not at all. With `dry_run` it only plans (validate's
preview of what an import would do) and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from coherence_pipelines.execution.column_mapping import MappingPlan
from coherence_pipelines.execution.ids import new_record_id_series
from coherence_pipelines.execution.merge import MergeMode, merge_frames, merge_needs, prefer_import_patch
from coherence_pipelines.execution.record_frame import encode, record_schema
from coherence_pipelines.execution.references import ReferenceOutcome, resolve_chunk
from coherence_pipelines.store.base import ChangedSince, MatchField, StoreSession, UpdateLineage

CLAIMED_SCHEMA = {"record_id": pl.String, "claimed_by": pl.Int64}
LINEAGE_SCHEMA = {"job_id": pl.String, "record_id": pl.String, "module": pl.String, "action": pl.String,
                  "before_data": pl.String, "before_version": pl.Int32, "after_version": pl.Int32, "chunk": pl.Int32}


@dataclass
class ChunkSettings:
    account_id: str
    plan: MappingPlan
    strategy: str  # skip | update | create
    match: list[MatchField]
    merge_mode: MergeMode
    create_missing_references: bool
    references: dict[str, ReferenceOutcome]  # shared by the chunks of one import
    job_id: str | None  # None: a dry run
    # Records this import already updates, with the row that does: a later row matching one of them
    # (in this chunk or a later one) is a conflict, not a second update.
    # (record_id, claimed_by): a frame, not a dict, so that a million-row import never walks it in Python.
    claimed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CLAIMED_SCHEMA))
    # A large import matches all its rows once, before its chunks (`prematched`: _row, record_id). Each chunk
    # then looks only for records other writers changed after this import's last write (`recheck`), and
    # when there are some, matches the rows still to come (of `importable`) against them.
    prematched: pl.DataFrame | None = None
    recheck: ChangedSince | None = None
    importable: pl.DataFrame | None = None


@dataclass
class ChunkOutcome:
    # Series, not lists: a chunk of a quarter of a million ids is counted, never walked in Python.
    created_ids: pl.Series = field(default_factory=lambda: pl.Series("record_id", [], dtype=pl.String))
    updated_ids: pl.Series = field(default_factory=lambda: pl.Series("record_id", [], dtype=pl.String))
    skipped_rows: list[int] = field(default_factory=list)
    # Rows whose match is a record an earlier row of the file already updates: (row, earlier row).
    conflicts: list[tuple[int, int]] = field(default_factory=list)


def apply_chunk(session: StoreSession, cfg: ChunkSettings, rows: pl.DataFrame, chunk_no: int) -> ChunkOutcome:
    """rows: `_row` plus the mapped fields in stored dtypes, rows with errors already left out. The chunk's
    writes carry one time, read from the store's clock once the module's turn is taken."""
    out = ChunkOutcome()
    if rows.is_empty():
        return out
    module = cfg.plan.module
    if cfg.job_id is not None:
        # Matching and writing must see every record another import committed: take the module's turn (and
        # that of the modules where missing references will be created) before looking.
        targets = [o.field.target_module or "" for o in cfg.references.values()] if cfg.create_missing_references \
            else []
        session.lock_modules(cfg.account_id, [module.slug, *targets])
    # Written after the turn is ours, by the store's clock: another import's recheck (records changed since its
    # match, by that clock too) sees it, whatever this machine's clock says.
    now = session.clock()
    slugs = [c for c in rows.columns if c != "_row"]
    lineage: list[pl.DataFrame] = []
    if cfg.references:
        rows, created_refs = resolve_chunk(session, cfg.account_id, rows, cfg.references,
                                           cfg.create_missing_references, cfg.job_id, now)
        lineage.append(_lineage(cfg.job_id, [r for r, _ in created_refs], [m for _, m in created_refs],
                                "created", chunk_no))
    matched = pl.DataFrame(schema={"_row": pl.Int64, "record_id": pl.String})
    if cfg.strategy != "create" and cfg.match:
        incoming = None if cfg.prematched is not None else pl.DataFrame({"id": rows.get_column("_row"),
                                                                         "data": encode(rows, slugs)})
        matched = _matches(session, cfg, incoming, rows)
    existing = None
    if cfg.strategy == "update" and matched.height:
        needs = merge_needs(record_schema(module, slugs), cfg.merge_mode)
        existing = session.read_fields(cfg.account_id, module.slug, needs, matched.get_column("record_id").unique())
        # Rechunked: DuckDB hands its rows over in 2,048-row batches, and joining the stored lists across a
        # quarter of a million rows of those cost 300 MB and a second of a 1M-row import.
        existing = existing.select(pl.col("id").alias("record_id"), *needs).rechunk()
        # A record deleted since it was matched (another job rolled back) no longer takes its rows' values.
        matched = matched.join(existing.select("record_id"), on="record_id", how="semi", maintain_order="left")
    to_create = rows.join(matched, on="_row", how="anti", maintain_order="left")
    if cfg.strategy == "skip":
        out.skipped_rows = matched.get_column("_row").to_list()
    elif existing is not None and matched.height:
        out.updated_ids, out.conflicts = _update(session, cfg, rows, matched, existing, slugs, chunk_no, now)
    if to_create.height:
        ids = new_record_id_series(to_create.height)
        out.created_ids = ids
        if cfg.job_id is not None:
            new = pl.DataFrame({"record_id": ids, "module": module.slug, "data": encode(to_create, slugs)})
            session.insert_records(cfg.account_id, new, cfg.job_id, now)
            lineage.append(_lineage(cfg.job_id, ids, module.slug, "created", chunk_no))
    if cfg.job_id is not None:
        session.add_lineage(pl.concat(lineage) if lineage else pl.DataFrame(schema=LINEAGE_SCHEMA))
    if cfg.recheck is not None:
        # The next chunk rechecks what others wrote after this one: its own writes carry exactly `now`.
        cfg.recheck = ChangedSince(since=now)
    return out


def _matches(session: StoreSession, cfg: ChunkSettings, incoming: pl.DataFrame | None,
             rows: pl.DataFrame) -> pl.DataFrame:
    """(_row, record_id) of the chunk's rows that match a record."""
    module = cfg.plan.module.slug
    if cfg.prematched is None or cfg.recheck is None or cfg.importable is None:
        assert incoming is not None
        return session.find_matches(cfg.account_id, module, incoming, cfg.match).select(
            pl.col("_row").cast(pl.Int64), "record_id")
    if session.count_changed(cfg.account_id, module, cfg.recheck):
        # Others wrote records meanwhile: every row still to come may match one of them. Rows matched before
        # keep their (older) record; the others take the new match.
        later = cfg.importable.filter(pl.col("_row") >= rows.get_column("_row").min())
        keys = [m.slug for m in cfg.match if m.slug in later.columns]
        ahead = pl.DataFrame({"id": later.get_column("_row"), "data": encode(later, keys)})
        found = session.find_matches(cfg.account_id, module, ahead, cfg.match, cfg.recheck).select(
            pl.col("_row").cast(pl.Int64), "record_id")
        cfg.prematched = pl.concat([cfg.prematched, found.join(cfg.prematched, on="_row", how="anti")])
    return cfg.prematched.join(rows.select("_row"), on="_row", how="semi")


def _update(session: StoreSession, cfg: ChunkSettings, rows: pl.DataFrame, matched: pl.DataFrame,
            existing: pl.DataFrame, slugs: list[str], chunk_no: int,
            now: datetime) -> tuple[pl.Series, list[tuple[int, int]]]:
    """existing: (record_id, the stored fields the merge reads). The store writes the lineage (each record's
    document and version before) with the update: the documents never travel to Python and back."""
    module = cfg.plan.module
    # Who updates which record is worked out on (row, id) pairs alone; the stored lists join in at the end,
    # so that sorting and filtering a quarter of a million pairs does not copy their entries too.
    all_pairs = (matched.join(cfg.claimed, on="record_id", how="left").sort("_row")
                 .with_columns(pl.coalesce("claimed_by", pl.col("_row").first().over("record_id")).alias("first_row")))
    pairs = all_pairs.filter(pl.col("_row") == pl.col("first_row")).select("_row", "record_id")
    conflicts = list(all_pairs.filter(pl.col("_row") != pl.col("first_row")).select("_row", "first_row").iter_rows())
    ids = pairs.get_column("record_id")
    cfg.claimed = pl.concat([cfg.claimed, pairs.select("record_id", pl.col("_row").alias("claimed_by"))])
    if cfg.job_id is None or ids.is_empty():
        return ids, conflicts
    incoming = pairs.select("_row").join(rows, on="_row", how="left", maintain_order="left").select(slugs)
    before = pairs.select("record_id").join(existing, on="record_id", how="left", maintain_order="left")
    schema = record_schema(module, slugs)
    if cfg.merge_mode == "prefer_import":
        patch, keep_nulls = prefer_import_patch(before, incoming, schema), True
    else:
        before = before.select(pl.col(s) if s in before.columns else pl.lit(None, dtype).alias(s)
                               for s, dtype in schema.items())
        parts = {slug: set(src.part_columns) for slug, src in cfg.plan.sources.items() if src.field.is_address}
        patch, keep_nulls = merge_frames(before, incoming, schema, cfg.merge_mode, parts), False
    session.update_records(cfg.account_id, pl.DataFrame({"record_id": ids, "data": encode(patch, slugs)}), now,
                           keep_nulls=keep_nulls, lineage=UpdateLineage(cfg.job_id, module.slug, chunk_no))
    return ids, conflicts


def _lineage(job_id: str | None, ids: pl.Series | list[str], modules: pl.Series | list[str] | str, action: str,
             chunk_no: int) -> pl.DataFrame:
    """Lineage rows of created records (no before-image), built as columns: a chunk's ids are a polars
    Series, never a Python list of a quarter of a million strings."""
    frame = pl.DataFrame({"record_id": pl.Series(ids, dtype=pl.String)})
    module = pl.lit(modules) if isinstance(modules, str) else pl.Series(modules, dtype=pl.String)
    return frame.select(pl.lit(job_id, dtype=pl.String).alias("job_id"), "record_id", module.alias("module"),
                        pl.lit(action).alias("action"), pl.lit(None, dtype=pl.String).alias("before_data"),
                        pl.lit(None, dtype=pl.Int32).alias("before_version"),
                        pl.lit(1, dtype=pl.Int32).alias("after_version"),
                        pl.lit(chunk_no, dtype=pl.Int32).alias("chunk")).cast(LINEAGE_SCHEMA)  # type: ignore[arg-type]
