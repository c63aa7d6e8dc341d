-- Version 4: what a saved mapping remembers of its file (encoding, delimiter, date order), and named
-- mapping templates that the API, the inbox and the CLI can ask for by name.
ALTER TABLE saved_mappings ADD COLUMN encoding VARCHAR;
ALTER TABLE saved_mappings ADD COLUMN delimiter VARCHAR;
ALTER TABLE saved_mappings ADD COLUMN date_order VARCHAR;

CREATE TABLE IF NOT EXISTS mapping_templates (
    account_id      VARCHAR NOT NULL,
    module          VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    headers         JSON NOT NULL,
    column_mapping  JSON NOT NULL,
    encoding        VARCHAR,
    delimiter       VARCHAR,
    date_order      VARCHAR,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, module, name)
);
