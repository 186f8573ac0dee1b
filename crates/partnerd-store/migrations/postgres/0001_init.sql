-- The same logical schema as migrations/sqlite/0001_init.sql. Where SQLite orders by its
-- implicit rowid (apps, users, signing keys), PostgreSQL gets an explicit identity column.
CREATE TABLE partners (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id TEXT NOT NULL CONSTRAINT partners_tenant_id_key UNIQUE,
    name TEXT NOT NULL,
    mpn_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    customer_cap BIGINT NOT NULL,
    domain TEXT NOT NULL CONSTRAINT partners_domain_key UNIQUE
);

CREATE TABLE apps (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    client_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES partners (tenant_id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL
);
CREATE INDEX apps_by_tenant ON apps (tenant_id, seq);

CREATE TABLE users (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    object_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES partners (tenant_id),
    upn TEXT NOT NULL,
    upn_fold TEXT NOT NULL CONSTRAINT users_upn_fold_key UNIQUE,
    password_hash TEXT NOT NULL,
    mfa BOOLEAN NOT NULL
);
CREATE INDEX users_by_tenant ON users (tenant_id, seq);

CREATE TABLE partner_links (
    provider_id TEXT NOT NULL REFERENCES partners (tenant_id),
    reseller_id TEXT NOT NULL REFERENCES partners (tenant_id),
    PRIMARY KEY (provider_id, reseller_id)
);
CREATE INDEX partner_links_by_reseller ON partner_links (reseller_id);

CREATE TABLE signing_keys (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    kid TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

-- seq is the keyset cursor of customer scans: an identity column never reuses a value.
CREATE TABLE customers (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL CONSTRAINT customers_id_key UNIQUE,
    commerce_id TEXT NOT NULL,
    -- The backend recognises this constraint's name as "domain already taken".
    domain TEXT NOT NULL CONSTRAINT customers_domain_key UNIQUE,
    company_name_fold TEXT NOT NULL,
    custom_domains TEXT NOT NULL,
    company TEXT NOT NULL,
    billing TEXT NOT NULL,
    etag BIGINT NOT NULL,
    admin_password_hash TEXT NOT NULL,
    associated_partner_id TEXT
);

CREATE TABLE customer_partners (
    partner_id TEXT NOT NULL,
    customer_seq BIGINT NOT NULL REFERENCES customers (seq) ON DELETE CASCADE,
    role TEXT NOT NULL,
    delegated_access BOOLEAN NOT NULL,
    PRIMARY KEY (partner_id, customer_seq)
);
CREATE INDEX customer_partners_by_customer ON customer_partners (customer_seq);
