-- What a customer gathers over its life: small documents per (kind, key) — subscriptions,
-- qualifications, its GCC validation link, its account status — that go with the customer.
CREATE TABLE customer_records (
    customer_seq INTEGER NOT NULL REFERENCES customers (seq) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (customer_seq, kind, key)
);

-- Domains a registrar partner added to a customer, lower case. A name is unique across this
-- table and customers.domain; the backend checks the other table in the same transaction.
CREATE TABLE customer_domains (
    name TEXT PRIMARY KEY,
    customer_seq INTEGER NOT NULL REFERENCES customers (seq) ON DELETE CASCADE,
    body TEXT NOT NULL
);
CREATE INDEX customer_domains_by_customer ON customer_domains (customer_seq);

-- A partner's GCC validation codes; each GovernmentCommunityCloud qualification uses one create.
CREATE TABLE validation_codes (
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    validation_id TEXT NOT NULL,
    organization_name TEXT NOT NULL,
    max_creates INTEGER NOT NULL,
    remaining_creates INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (partner_id, validation_id)
);
