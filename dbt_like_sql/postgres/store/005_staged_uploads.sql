-- Version 5 (server mode only): parsed uploads staged in the store, so that a Dagster run on another
-- machine than the API that parsed the file still finds its rows. The rows are one Parquet file each: the
-- columns as parsed (all text), `_row` first. The embedded default keeps a DuckDB file per upload instead.
CREATE TABLE staged_uploads (
    upload_id   text PRIMARY KEY,
    account_id  text NOT NULL,
    meta        jsonb NOT NULL,
    parquet     bytea NOT NULL,
    staged_at   timestamp NOT NULL
);
CREATE INDEX staged_uploads_by_age ON staged_uploads (staged_at);
