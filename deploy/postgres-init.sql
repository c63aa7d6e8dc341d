-- Dagster keeps its runs, event logs and schedules in a database of its own beside the record store's.
CREATE DATABASE dagster OWNER coherence;
