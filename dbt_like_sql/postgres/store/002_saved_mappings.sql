-- Version 2: the column mapping of each executed import, per account, module and set of headers, so the
-- next file with the same headers (the inbox, the CLI, Dagster runs) gets it back.
CREATE TABLE saved_mappings (
    account_id      text NOT NULL,
    module          text NOT NULL,
    headers_key     text NOT NULL,
    headers         jsonb NOT NULL,
    column_mapping  jsonb NOT NULL,
    import_job_id   text,
    saved_at        timestamp NOT NULL
);
CREATE INDEX saved_mappings_latest ON saved_mappings (account_id, module, headers_key, saved_at DESC);
