-- The record store on PostgreSQL, version 1: accounts and keys, records, import jobs and their lineage.
-- The same tables as the DuckDB store (dbt_like_sql/store/001_schema.sql); records keep their fields as one
-- JSONB document, so modules and custom fields are data, not DDL. Timestamps are UTC without a time zone,
-- as on DuckDB.
CREATE TABLE accounts (
    account_id      text PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    custom_modules  jsonb,
    created_at      timestamp NOT NULL
);

CREATE TABLE api_keys (
    key_id      text PRIMARY KEY,
    account_id  text NOT NULL,
    key_hash    text NOT NULL,
    scopes      text NOT NULL,
    created_at  timestamp NOT NULL
);

CREATE TABLE records (
    record_id                 text PRIMARY KEY,
    account_id                text NOT NULL,
    module                    text NOT NULL,
    display_name              text,
    data                      jsonb NOT NULL,
    version                   integer NOT NULL,
    created_at                timestamp NOT NULL,
    updated_at                timestamp NOT NULL,
    created_by_import_job_id  text
);
-- Every read of records is one account's module: matching, references, pages, exports.
CREATE INDEX records_by_module ON records (account_id, module, created_at);
-- An import's recheck reads only what others wrote since it matched its rows.
CREATE INDEX records_by_change ON records (account_id, module, updated_at);

CREATE TABLE import_jobs (
    job_id              text PRIMARY KEY,
    account_id          text NOT NULL,
    module              text NOT NULL,
    status              text NOT NULL,
    processing_mode     text NOT NULL,
    file_name           text,
    file_type           text,
    upload_id           text,
    total_rows          integer NOT NULL,
    processed_rows      integer NOT NULL DEFAULT 0,
    success_rows        integer NOT NULL DEFAULT 0,
    created_rows        integer NOT NULL DEFAULT 0,
    updated_rows        integer NOT NULL DEFAULT 0,
    error_rows          integer NOT NULL DEFAULT 0,
    skipped_rows        integer NOT NULL DEFAULT 0,
    ai_mapping_used     boolean NOT NULL DEFAULT FALSE,
    duplicate_strategy  text NOT NULL,
    options             jsonb,
    errors              jsonb,
    reference_warnings  jsonb,
    failure             text,
    created_at          timestamp NOT NULL,
    started_at          timestamp,
    completed_at        timestamp,
    expires_at          timestamp NOT NULL,
    rolled_back_at      timestamp
);
CREATE INDEX import_jobs_by_module ON import_jobs (account_id, module, created_at);
CREATE INDEX import_jobs_completed ON import_jobs (completed_at) WHERE status = 'completed';

-- What each job did to each record: enough to undo it exactly.
CREATE TABLE import_lineage (
    job_id          text NOT NULL,
    record_id       text NOT NULL,
    module          text NOT NULL,
    action          text NOT NULL,      -- created | updated
    before_data     jsonb,              -- updated: the record before the job
    before_version  integer,
    after_version   integer NOT NULL,
    chunk           integer NOT NULL
);
CREATE INDEX import_lineage_by_job ON import_lineage (job_id, chunk);

-- DuckDB's TRY_CAST(... AS DOUBLE): the number a text spells, else NULL (number match keys, numeric sorts).
CREATE FUNCTION coherence_try_double(value text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value ~ '^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                THEN value::double precision END
$$;
