-- Prefix searches that fit keyset paging: each relationship carries its customer's search
-- keys (the folded company name and the default domain, both fixed at creation), so that a
-- search either reads the matching range of a key index or walks the partner's customers in
-- creation order without touching a customer row (see search.rs). The table is rebuilt
-- WITHOUT ROWID so that it is itself ordered by (partner_id, customer_seq) and that walk
-- reads it directly.
CREATE TABLE customer_partners_keyed (
    partner_id TEXT NOT NULL,
    customer_seq INTEGER NOT NULL REFERENCES customers (seq) ON DELETE CASCADE,
    role TEXT NOT NULL,
    delegated_access INTEGER NOT NULL,
    company_name_fold TEXT NOT NULL,
    domain TEXT NOT NULL,
    PRIMARY KEY (partner_id, customer_seq)
) WITHOUT ROWID;

INSERT INTO customer_partners_keyed
    SELECT r.partner_id, r.customer_seq, r.role, r.delegated_access, c.company_name_fold, c.domain
    FROM customer_partners r JOIN customers c ON c.seq = r.customer_seq;

DROP TABLE customer_partners;
ALTER TABLE customer_partners_keyed RENAME TO customer_partners;

CREATE INDEX customer_partners_by_customer ON customer_partners (customer_seq);
CREATE INDEX customer_partners_by_name ON customer_partners (partner_id, company_name_fold, customer_seq);
CREATE INDEX customer_partners_by_domain ON customer_partners (partner_id, domain, customer_seq);
