-- Prefix searches that fit keyset paging: each relationship carries its customer's search
-- keys (the folded company name and the default domain, both fixed at creation), so that a
-- search either reads the matching range of a key index or walks the partner's customers in
-- creation order without joining a customer row (see search.rs). The keys compare in code
-- point order ("C"), which is what makes a prefix a range of the index.
ALTER TABLE customer_partners
    ADD COLUMN company_name_fold TEXT COLLATE "C",
    ADD COLUMN domain TEXT COLLATE "C";

UPDATE customer_partners r SET company_name_fold = c.company_name_fold, domain = c.domain
    FROM customers c WHERE c.seq = r.customer_seq;

ALTER TABLE customer_partners
    ALTER COLUMN company_name_fold SET NOT NULL,
    ALTER COLUMN domain SET NOT NULL;

CREATE INDEX customer_partners_by_name ON customer_partners (partner_id, company_name_fold, customer_seq);
CREATE INDEX customer_partners_by_domain ON customer_partners (partner_id, domain, customer_seq);
