"""Export fixtures: records written straight into the real store (fast for the 10,000+ cases), and CSV
answers parsed back."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from coherence_pipelines.store import RecordStore


def seed_contacts(store: RecordStore, account: str, n: int, start: int = 0) -> str:
    """n contacts `Person 00000`.. with an email and a lead status, created a second apart (oldest first)."""
    with store.session() as session:
        account_id = session.ensure_account(account)
        docs = [json.dumps({"displayName": f"Person {i:05d}", "email": [{"value": f"p{i}@example.com", "type": "Work"}],
                            "leadStatus": "Qualified" if i % 2 else "New"}) for i in range(start, start + n)]
        frame = pl.DataFrame({"record_id": [f"rec_seed{account}{i:08d}" for i in range(start, start + n)],
                              "module": ["contacts"] * n, "data": docs})
        base = datetime(2026, 1, 1, tzinfo=UTC)
        for offset in range(0, n, 5_000):
            # one insert per creation second keeps createdDateTime distinct for sort tests
            session.insert_records(account_id, frame.slice(offset, 5_000), None, base + timedelta(seconds=offset))
    return account_id


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV exports start with a byte-order mark"
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def seeded(store: RecordStore, api):
    return lambda n, start=0: seed_contacts(store, "acme", n, start)
