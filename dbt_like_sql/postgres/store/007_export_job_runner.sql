-- Version 7: who writes an export job (host:pid) and when it last made progress, so that a job whose
-- process was killed is reported as interrupted instead of "processing" for ever (as 006 for imports).
ALTER TABLE export_jobs ADD COLUMN runner text, ADD COLUMN heartbeat_at timestamp;
