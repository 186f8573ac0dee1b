-- The node whose request holds a lease, so that a node restarted after a crash releases the
-- leases its dead process left instead of making retries wait for them to lapse.
ALTER TABLE idempotency ADD COLUMN node TEXT NOT NULL DEFAULT '';
