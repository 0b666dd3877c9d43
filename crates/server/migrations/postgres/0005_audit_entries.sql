-- Audit entries as the log shows them, made with the change (see `store::audit`): the sentence,
-- the subjects with their names at the time, and the folded text that search reads. NULL in
-- entries written before.
ALTER TABLE audit_events ADD COLUMN summary TEXT;
ALTER TABLE audit_events ADD COLUMN subjects TEXT;
ALTER TABLE audit_events ADD COLUMN search TEXT;
