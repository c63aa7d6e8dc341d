"""The record store's interface: what the pipeline needs from wherever records live.

A store hands out sessions; a session is one unit of work and one transaction: everything done in it
commits together when the `with` block ends normally, and nothing does when it raises. The embedded
DuckDB store and the PostgreSQL store implement the same methods with the same meaning.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: an account, through a key with scopes."""

    account_id: str
    account_name: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class MatchField:
    """A duplicate match field and how its keys are made (keys/<kind>.sql)."""

    slug: str
    kind: str  # email | phone | text | number | multi_select


@dataclass(frozen=True)
class ChangedSince:
    """Records written after `since`: by another writer, when `since` is the time of this import's own last
    write (writers take turns, and each stamps its writes with a time taken once its turn began)."""

    since: datetime


@dataclass(frozen=True)
class UpdateLineage:
    """What an update records for its job's rollback: each record's document and version just before it."""

    job_id: str
    module: str
    chunk: int


@dataclass
class RollbackResult:
    deleted_count: int
    restored_count: int
    conflicts: list[str] = field(default_factory=list)


# What may change on a saved report or an export job after it is made (the update methods take only these).
UPDATABLE_REPORT_COLUMNS = ("name", "module", "definition", "updated_at")
UPDATABLE_EXPORT_JOB_COLUMNS = ("status", "progress", "file_name", "file_path", "file_size_bytes", "content_type",
                                "row_count", "failure", "started_at", "completed_at", "expires_at", "runner",
                                "heartbeat_at")


def headers_key(headers: list[str]) -> str:
    """One key per set of headers: order, case and surrounding spaces do not matter."""
    canonical = json.dumps(sorted({h.strip().lower() for h in headers}))
    return hashlib.sha256(canonical.encode()).hexdigest()


class StoreSession(ABC):
    def clock(self) -> datetime:
        """Now (naive UTC) by the clock that orders this store's writes. Records' write times and the
        `ChangedSince` an import rechecks against are both read from it, so that writers on machines whose
        clocks disagree still see each other's writes. One machine's clock by default (the embedded store
        lives on one machine)."""
        return datetime.now(UTC).replace(tzinfo=None)

    # accounts and keys
    @abstractmethod
    def ensure_account(self, name: str) -> str: ...
    @abstractmethod
    def account_id_by_name(self, name: str) -> str | None: ...
    @abstractmethod
    def add_api_key(self, account_id: str, key_id: str, key_hash: str, scopes: tuple[str, ...]) -> None: ...
    @abstractmethod
    def api_key(self, key_id: str) -> tuple[str, str, str, frozenset[str]] | None:
        """(account_id, account_name, key_hash, scopes) of a key id."""
    @abstractmethod
    def custom_modules(self, account_id: str) -> dict[str, Any]: ...
    @abstractmethod
    def save_custom_modules(self, account_id: str, definition: dict[str, Any]) -> None: ...

    @abstractmethod
    def save_mapping(self, account_id: str, module: str, headers: list[str], column_mapping: list[dict[str, Any]],
                     import_job_id: str | None, file_settings: dict[str, str | None] | None = None) -> None:
        """Remembers an executed import's mapping; file_settings: encoding, delimiter, date_order."""
    @abstractmethod
    def recent_mappings(self, account_id: str, module: str, limit: int) -> list[dict[str, Any]]:
        """The latest saved mapping per set of headers, newest first: (headers list, column_mapping list,
        import_job_id, saved_at, encoding, delimiter, date_order)."""
    @abstractmethod
    def save_template(self, account_id: str, module: str, name: str, template: dict[str, Any]) -> None:
        """Creates or replaces a named mapping template: (headers, column_mapping, encoding, delimiter,
        date_order)."""
    @abstractmethod
    def mapping_templates(self, account_id: str, module: str) -> list[dict[str, Any]]:
        """The module's templates by name: (name, headers, column_mapping, encoding, delimiter, date_order,
        created_at, updated_at)."""
    @abstractmethod
    def delete_template(self, account_id: str, module: str, name: str) -> bool: ...

    # records
    @abstractmethod
    def lock_modules(self, account_id: str, modules: list[str]) -> None:
        """Hold, until this session ends, the turn to match and write records of these modules of the account:
        concurrent imports into one module take turns chunk by chunk, so two never both create one person."""
    @abstractmethod
    def find_matches(self, account_id: str, module: str, incoming: pl.DataFrame, fields: list[MatchField],
                     changed_since: ChangedSince | None = None) -> pl.DataFrame:
        """incoming(id, data JSON) -> (_row, record_id, candidates): rows matching a record on every field.
        With `changed_since`, only records written after its time count (the recheck of an import that
        matched every row once, before its chunks)."""
    @abstractmethod
    def count_changed(self, account_id: str, module: str, changed_since: ChangedSince) -> int:
        """How many records of the module were written after `changed_since.since`."""
    @abstractmethod
    def lookup_references(self, account_id: str, module: str, keys: list[str]) -> dict[str, list[str]]:
        """Lower-cased names (and domains/emails, by module) -> ids of the records they name."""
    @abstractmethod
    def fetch_records(self, account_id: str, record_ids: list[str]) -> pl.DataFrame:
        """(record_id, module, data, version, created_at, updated_at, created_by_import_job_id)."""
    @abstractmethod
    def insert_records(self, account_id: str, records: pl.DataFrame, job_id: str | None, now: datetime) -> None:
        """records(record_id, module, data JSON): new records at version 1; null fields are dropped."""
    @abstractmethod
    def update_records(self, account_id: str, records: pl.DataFrame, now: datetime, *, keep_nulls: bool = False,
                       lineage: UpdateLineage | None = None) -> int:
        """records(record_id, data JSON merge patch); bumps versions; returns how many records it updated
        (those of the account that exist).

        A null in the patch removes the field (RFC 7386); with `keep_nulls` it leaves the field as it is (the
        patch sets only what it has). With `lineage`, each record's document and version as they were
        just before are written to the job's lineage in the same statement sequence (its rollback)."""
    @abstractmethod
    def list_records(self, account_id: str, module: str, limit: int, offset: int,
                     order_by: str) -> tuple[list[dict[str, Any]], int]: ...
    @abstractmethod
    def count_records(self, account_id: str, module: str) -> int: ...
    @abstractmethod
    def display_names(self, account_id: str, record_ids: list[str]) -> dict[str, str | None]: ...

    # import jobs and lineage
    @abstractmethod
    def insert_job(self, job: dict[str, Any]) -> None: ...
    @abstractmethod
    def update_job(self, job_id: str, changes: dict[str, Any]) -> None: ...
    @abstractmethod
    def get_job(self, account_id: str, job_id: str) -> dict[str, Any] | None: ...
    @abstractmethod
    def list_jobs(self, account_id: str, module: str, limit: int) -> list[dict[str, Any]]: ...
    @abstractmethod
    def add_lineage(self, lineage: pl.DataFrame) -> None:
        """lineage(job_id, record_id, module, action, before_data, before_version, after_version, chunk)."""
    @abstractmethod
    def job_lineage(self, job_id: str) -> pl.DataFrame:
        """(record_id, module, action) of what a job did, in the order it did it."""
    @abstractmethod
    def rollback(self, account_id: str, job_id: str, now: datetime) -> RollbackResult: ...
    @abstractmethod
    def completed_imports_since(self, since: datetime) -> list[dict[str, Any]]:
        """(job_id, account_id, module, completed_at) of imports completed after `since`, oldest first,
        across accounts (the report-refresh sensor watches them)."""

    @abstractmethod
    def upload_ids_in_use(self) -> set[str]:
        """Upload ids that pending or processing import jobs still read (cleanup must keep them)."""

    # exports: the records an export reads, saved reports, export jobs
    @abstractmethod
    def read_fields(self, account_id: str, module: str, fields: dict[str, pl.DataType],
                    record_ids: pl.Series | None = None) -> pl.DataFrame:
        """(id, createdDateTime, updatedDateTime, *fields) of a module's records, each field read from its JSON
        as its dtype in `fields` (absent: null); only the records in `record_ids` when given. Exports read their
        columns this way and update imports the stored values their merge needs: no whole document leaves."""
    @abstractmethod
    def module_records(self, account_id: str, module: str) -> pl.DataFrame:
        """(record_id, data JSON text, created_at, updated_at) of every record of a module."""
    @abstractmethod
    def insert_report(self, report: dict[str, Any]) -> None:
        """report(report_id, account_id, name, module, definition dict, created_at, updated_at)."""
    @abstractmethod
    def update_report(self, account_id: str, report_id: str, changes: dict[str, Any]) -> None: ...
    @abstractmethod
    def get_report(self, account_id: str, report_id: str) -> dict[str, Any] | None: ...
    @abstractmethod
    def list_reports(self, account_id: str | None) -> list[dict[str, Any]]:
        """An account's reports, newest first; every account's when `account_id` is None (the sensors)."""
    @abstractmethod
    def delete_report(self, account_id: str, report_id: str) -> bool: ...
    @abstractmethod
    def insert_export_job(self, job: dict[str, Any]) -> None:
        """job: the export_jobs columns; `request` a dict."""
    @abstractmethod
    def update_export_job(self, export_job_id: str, changes: dict[str, Any]) -> None: ...
    @abstractmethod
    def claim_export_job(self, export_job_id: str, seen: dict[str, Any], now: datetime, runner: str) -> bool:
        """Marks the job `processing` (started `now`, by `runner`: host:pid, its heartbeat `now`) only if its
        status and start are still as `seen`: of several processes picking up one unfinished job (API workers
        starting together), one runs it."""
    @abstractmethod
    def get_export_job(self, account_id: str | None, export_job_id: str) -> dict[str, Any] | None:
        """One export job of the account (any account's when `account_id` is None: the job runner)."""
    @abstractmethod
    def list_export_jobs(self, account_id: str, limit: int) -> list[dict[str, Any]]: ...
    @abstractmethod
    def export_jobs_to_expire(self, now: datetime) -> list[dict[str, Any]]:
        """Completed jobs whose files expired by `now` and failed jobs past their expiry, any account."""
    @abstractmethod
    def unfinished_export_jobs(self) -> list[dict[str, Any]]:
        """Jobs still pending or processing, any account (a restarted server picks them up again)."""


class RecordStore(ABC):
    @abstractmethod
    def session(self, *, snapshot: bool = False) -> AbstractContextManager[StoreSession]:
        """One unit of work in one transaction. `snapshot`: a read-only unit whose reads all see the store as
        it was when the first of them ran (an export reading its rows in two steps)."""

    @contextmanager
    def holding(self) -> Iterator[None]:
        """A run of sessions a store may serve more cheaply together (the embedded store keeps its file
        open between them); sessions inside still commit one by one. By default, nothing special."""
        yield

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release anything the store keeps open between sessions."""
