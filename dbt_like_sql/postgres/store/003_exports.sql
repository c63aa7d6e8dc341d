-- Version 3: saved reports and export jobs (as dbt_like_sql/store/003_exports.sql).
-- A report's definition (columns, filters, sort, schedule, refresh-after-import) is one JSON document, as
-- records are: the API shape can grow without DDL.
CREATE TABLE reports (
    report_id   text PRIMARY KEY,
    account_id  text NOT NULL,
    name        text NOT NULL,
    module      text NOT NULL,
    definition  jsonb NOT NULL,
    created_at  timestamp NOT NULL,
    updated_at  timestamp NOT NULL
);
CREATE INDEX reports_by_account ON reports (account_id, created_at);

CREATE TABLE export_jobs (
    export_job_id    text PRIMARY KEY,
    account_id       text NOT NULL,
    source_type      text NOT NULL,      -- module | report
    source_id        text NOT NULL,      -- mod_<slug> | rpt_...
    module           text NOT NULL,
    format           text NOT NULL,      -- csv | pdf
    status           text NOT NULL,      -- pending | processing | completed | failed | expired
    progress         integer NOT NULL DEFAULT 0,
    trigger          text NOT NULL,      -- api | schedule | sensor | cli | dagster
    request          jsonb NOT NULL,     -- the export spec: columns, labels, filters, sort, limit, ...
    file_name        text,
    file_path        text,
    file_size_bytes  bigint,
    content_type     text,
    row_count        integer,
    failure          text,
    requested_at     timestamp NOT NULL,
    started_at       timestamp,
    completed_at     timestamp,
    expires_at       timestamp
);
CREATE INDEX export_jobs_by_account ON export_jobs (account_id, requested_at);
CREATE INDEX export_jobs_by_status ON export_jobs (status, expires_at);
