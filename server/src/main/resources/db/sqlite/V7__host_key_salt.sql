-- A host's agent key is derived from the master key and its name; a host removed and added again under
-- the same name must not be reachable with the old machine's key (an attack on the job channel fetched a
-- new host's job with the removed one's key). Hosts added from now on get a random salt in their key's
-- derivation (HostKeys.derive v2); hosts from before keep theirs (NULL: the v1 derivation), so agents
-- already deployed keep working.
ALTER TABLE hosts ADD COLUMN key_salt TEXT CHECK (key_salt IS NULL OR length(key_salt) = 32);
