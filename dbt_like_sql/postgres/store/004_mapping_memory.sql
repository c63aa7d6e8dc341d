-- Version 4 (as dbt_like_sql/store/004_mapping_memory.sql): what a saved mapping remembers of its file
-- (encoding, delimiter, date order), and named mapping templates that the API, the inbox and the CLI can ask
-- for by name. `seq` orders mappings saved in the same instant (DuckDB orders them by rowid).
ALTER TABLE saved_mappings ADD COLUMN encoding text;
ALTER TABLE saved_mappings ADD COLUMN delimiter text;
ALTER TABLE saved_mappings ADD COLUMN date_order text;
ALTER TABLE saved_mappings ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;

CREATE TABLE mapping_templates (
    account_id      text NOT NULL,
    module          text NOT NULL,
    name            text NOT NULL,
    headers         jsonb NOT NULL,
    column_mapping  jsonb NOT NULL,
    encoding        text,
    delimiter       text,
    date_order      text,
    created_at      timestamp NOT NULL,
    updated_at      timestamp NOT NULL,
    PRIMARY KEY (account_id, module, name)
);
