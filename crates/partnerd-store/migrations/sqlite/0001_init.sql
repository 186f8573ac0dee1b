CREATE TABLE partners (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    mpn_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    customer_cap INTEGER NOT NULL,
    domain TEXT NOT NULL UNIQUE
);

CREATE TABLE apps (
    client_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES partners (tenant_id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL
);
CREATE INDEX apps_by_tenant ON apps (tenant_id);

CREATE TABLE users (
    object_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES partners (tenant_id),
    upn TEXT NOT NULL,
    upn_fold TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    mfa INTEGER NOT NULL
);
CREATE INDEX users_by_tenant ON users (tenant_id);

CREATE TABLE partner_links (
    provider_id TEXT NOT NULL REFERENCES partners (tenant_id),
    reseller_id TEXT NOT NULL REFERENCES partners (tenant_id),
    PRIMARY KEY (provider_id, reseller_id)
);
CREATE INDEX partner_links_by_reseller ON partner_links (reseller_id);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- seq is the keyset cursor of customer scans: AUTOINCREMENT never reuses a value.
CREATE TABLE customers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    commerce_id TEXT NOT NULL,
    domain TEXT NOT NULL UNIQUE,
    company_name_fold TEXT NOT NULL,
    custom_domains TEXT NOT NULL,
    company TEXT NOT NULL,
    billing TEXT NOT NULL,
    etag INTEGER NOT NULL,
    admin_password_hash TEXT NOT NULL,
    associated_partner_id TEXT
);

CREATE TABLE customer_partners (
    partner_id TEXT NOT NULL,
    customer_seq INTEGER NOT NULL REFERENCES customers (seq) ON DELETE CASCADE,
    role TEXT NOT NULL,
    delegated_access INTEGER NOT NULL,
    PRIMARY KEY (partner_id, customer_seq)
);
CREATE INDEX customer_partners_by_customer ON customer_partners (customer_seq);
