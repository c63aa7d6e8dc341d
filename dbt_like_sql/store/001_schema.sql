-- The record store, version 1: accounts and keys, records, import jobs and their lineage.
-- Records keep their fields as one JSON document: modules and custom fields are data, not DDL.
CREATE TABLE IF NOT EXISTS accounts (
    account_id      VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL UNIQUE,
    custom_modules  JSON,
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
    key_id      VARCHAR PRIMARY KEY,
    account_id  VARCHAR NOT NULL,
    key_hash    VARCHAR NOT NULL,
    scopes      VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS records (
    record_id                 VARCHAR NOT NULL,
    account_id                VARCHAR NOT NULL,
    module                    VARCHAR NOT NULL,
    display_name              VARCHAR,
    data                      JSON NOT NULL,
    version                   INTEGER NOT NULL,
    created_at                TIMESTAMP NOT NULL,
    updated_at                TIMESTAMP NOT NULL,
    created_by_import_job_id  VARCHAR
);

CREATE TABLE IF NOT EXISTS import_jobs (
    job_id              VARCHAR PRIMARY KEY,
    account_id          VARCHAR NOT NULL,
    module              VARCHAR NOT NULL,
    status              VARCHAR NOT NULL,
    processing_mode     VARCHAR NOT NULL,
    file_name           VARCHAR,
    file_type           VARCHAR,
    upload_id           VARCHAR,
    total_rows          INTEGER NOT NULL,
    processed_rows      INTEGER NOT NULL DEFAULT 0,
    success_rows        INTEGER NOT NULL DEFAULT 0,
    created_rows        INTEGER NOT NULL DEFAULT 0,
    updated_rows        INTEGER NOT NULL DEFAULT 0,
    error_rows          INTEGER NOT NULL DEFAULT 0,
    skipped_rows        INTEGER NOT NULL DEFAULT 0,
    ai_mapping_used     BOOLEAN NOT NULL DEFAULT FALSE,
    duplicate_strategy  VARCHAR NOT NULL,
    options             JSON,
    errors              JSON,
    reference_warnings  JSON,
    failure             VARCHAR,
    created_at          TIMESTAMP NOT NULL,
    started_at          TIMESTAMP,
    completed_at        TIMESTAMP,
    expires_at          TIMESTAMP NOT NULL,
    rolled_back_at      TIMESTAMP
);

-- What each job did to each record: enough to undo it exactly.
CREATE TABLE IF NOT EXISTS import_lineage (
    job_id          VARCHAR NOT NULL,
    record_id       VARCHAR NOT NULL,
    module          VARCHAR NOT NULL,
    action          VARCHAR NOT NULL,      -- created | updated
    before_data     JSON,                  -- updated: the record before the job
    before_version  INTEGER,
    after_version   INTEGER NOT NULL,
    chunk           INTEGER NOT NULL
);
