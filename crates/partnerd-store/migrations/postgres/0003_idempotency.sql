-- Responses of writes by (partner, MS-RequestId). A row is `pending` while its first request
-- runs (under a lease that a retry may take over once it lapses) and `complete` once its
-- response is stored, in the same transaction as the change it describes.
CREATE TABLE idempotency (
    partner_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    lease TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    status INTEGER,
    headers TEXT,
    body BYTEA,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, request_id)
);
CREATE INDEX idempotency_by_expiry ON idempotency (expires_at);
