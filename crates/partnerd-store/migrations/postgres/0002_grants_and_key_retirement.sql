-- Refresh tokens, authorization codes and device codes: keyed by a hash of the secret, the
-- state kept as JSON so that every grant kind shares one compare-and-swap.
CREATE TABLE grants (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX grants_by_expiry ON grants (expires_at);

ALTER TABLE signing_keys ADD COLUMN retired BOOLEAN NOT NULL DEFAULT FALSE;
