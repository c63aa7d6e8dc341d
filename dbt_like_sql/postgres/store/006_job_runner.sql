-- Version 6: who runs an import job (host:pid) and when it last committed a chunk, so that a job whose
-- process was killed is reported as interrupted instead of "processing" for ever.
ALTER TABLE import_jobs ADD COLUMN runner text, ADD COLUMN heartbeat_at timestamp;
