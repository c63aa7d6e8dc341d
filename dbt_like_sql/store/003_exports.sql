-- Version 3: saved reports and export jobs.
-- A report's definition (columns, filters, sort, schedule, refresh-after-import) is one JSON document, as
-- records are: the API shape can grow without DDL.
CREATE TABLE IF NOT EXISTS reports (
    report_id   VARCHAR PRIMARY KEY,
    account_id  VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    module      VARCHAR NOT NULL,
    definition  JSON NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS export_jobs (
    export_job_id    VARCHAR PRIMARY KEY,
    account_id       VARCHAR NOT NULL,
    source_type      VARCHAR NOT NULL,      -- module | report
    source_id        VARCHAR NOT NULL,      -- mod_<slug> | rpt_...
    module           VARCHAR NOT NULL,
    format           VARCHAR NOT NULL,      -- csv | pdf
    status           VARCHAR NOT NULL,      -- pending | processing | completed | failed | expired
    progress         INTEGER NOT NULL DEFAULT 0,
    trigger          VARCHAR NOT NULL,      -- api | schedule | sensor | cli | dagster
    request          JSON NOT NULL,         -- the export spec: columns, labels, filters, sort, limit, ...
    file_name        VARCHAR,
    file_path        VARCHAR,
    file_size_bytes  BIGINT,
    content_type     VARCHAR,
    row_count        INTEGER,
    failure          VARCHAR,
    requested_at     TIMESTAMP NOT NULL,
    started_at       TIMESTAMP,
    completed_at     TIMESTAMP,
    expires_at       TIMESTAMP
);
