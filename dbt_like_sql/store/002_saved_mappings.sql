-- Version 2: the column mapping of each executed import, per account, module and set of headers, so the
-- next file with the same headers (the inbox, the CLI, Dagster runs) gets it back.
CREATE TABLE IF NOT EXISTS saved_mappings (
    account_id      VARCHAR NOT NULL,
    module          VARCHAR NOT NULL,
    headers_key     VARCHAR NOT NULL,
    headers         JSON NOT NULL,
    column_mapping  JSON NOT NULL,
    import_job_id   VARCHAR,
    saved_at        TIMESTAMP NOT NULL
);
