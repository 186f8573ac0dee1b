-- Who called the API and signed in to the token service, for the MFA reports: kept for a
-- retention period (seven days by default) and pruned in the background. Each batch of API
-- requests is one chunk per partner (a JSON array), with running counts per day and app;
-- single rows are kept only for sign-ins and requests without MFA (see history.rs).
CREATE TABLE request_history (
    seq INTEGER PRIMARY KEY,
    partner_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    object_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    upn TEXT NOT NULL,
    application_id TEXT NOT NULL,
    mfa INTEGER NOT NULL
);
CREATE INDEX request_history_by_partner ON request_history (partner_id, at_ms);

CREATE TABLE request_chunks (
    seq INTEGER PRIMARY KEY,
    partner_id TEXT NOT NULL,
    first_at_ms INTEGER NOT NULL,
    last_at_ms INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX request_chunks_by_partner ON request_chunks (partner_id, last_at_ms);

CREATE TABLE request_daily (
    partner_id TEXT NOT NULL,
    day INTEGER NOT NULL,
    application_id TEXT NOT NULL,
    mfa_requests INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (partner_id, day, application_id)
);

-- Server-wide documents by (kind, key): service incidents and their seed marker.
CREATE TABLE documents (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
