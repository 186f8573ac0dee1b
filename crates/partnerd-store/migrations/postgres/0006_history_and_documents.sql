-- Who called the API and signed in to the token service, for the MFA reports: kept for a
-- retention period (seven days by default) and pruned in the background.
CREATE TABLE request_history (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    request_id TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    object_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    upn TEXT NOT NULL,
    application_id TEXT NOT NULL,
    mfa BOOLEAN NOT NULL
);
CREATE INDEX request_history_by_partner ON request_history (partner_id, at_ms);
CREATE INDEX request_history_by_time ON request_history (at_ms);

-- Server-wide documents by (kind, key): service incidents and their seed marker.
CREATE TABLE documents (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
