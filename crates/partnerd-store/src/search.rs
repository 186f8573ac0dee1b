//! Prefix searches over one partner's customers, paged by keyset, at any selectivity.
//!
//! A page of a `starts_with` search is the `limit` oldest matching customers after the cursor.
//! Every relationship row carries its customer's search keys (the folded company name and the
//! default domain), and two ways read such a page without touching a customer row that does
//! not match:
//!
//! - **Key index** `(partner_id, key, customer_seq)`: the prefix is one range of it. Read the
//!   matches after the cursor and keep the `limit` oldest. Cost: the number of matches.
//! - **Creation order** `(partner_id, customer_seq)`: walk the partner's customers after the
//!   cursor and test each key. Cost: `limit` divided by the share of customers that match.
//!
//! The first is cheap when few match, the second when many do, and which is the case is not
//! known in advance. So a search first reads at most [`probe_cap`] matches from the key index:
//! if the range ends within the cap, those matches are the page; if not, more than the cap
//! match, and the walk in creation order finds `limit` of them within about
//! `limit × customers / cap` rows. With the cap at `1000 × √limit`, a million-customer partner
//! reads at most about 20,000 index entries for a page of 100 and 45,000 for a page of 500,
//! whatever the prefix. (The bound assumes matches spread over creation order; a common prefix
//! used only by the newest customers makes the walk longer.)
//!
//! Both backends compare keys in code point order (SQLite's `BINARY` collation is byte order
//! on UTF-8, and PostgreSQL's key columns are `COLLATE "C"`), so "starts with `p`" is the range
//! `p ≤ key < successor(p)`.

use serde::Serialize;

use crate::model::CustomerFilter;

/// The key a prefix search compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKey {
    /// The company name, folded (see [`crate::fold`]).
    CompanyName,
    /// The default domain, lower case.
    Domain,
}

impl SearchKey {
    /// The relationship column that holds the key.
    pub fn column(self) -> &'static str {
        match self {
            Self::CompanyName => "company_name_fold",
            Self::Domain => "domain",
        }
    }

    /// The index over `(partner_id, key, customer_seq)`.
    pub fn index(self) -> &'static str {
        match self {
            Self::CompanyName => "customer_partners_by_name",
            Self::Domain => "customer_partners_by_domain",
        }
    }
}

/// A prefix search as a range of its key index: `from ≤ key < below`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixRange<'a> {
    /// The key compared.
    pub key: SearchKey,
    /// The prefix itself, the range's first possible key.
    pub from: &'a str,
    /// The first key after every key that starts with the prefix.
    pub below: String,
}

impl<'a> PrefixRange<'a> {
    /// The range of a prefix filter, or `None` for other filters and for a prefix no range
    /// bounds (empty, or made only of U+10FFFF), which the creation-order walk answers.
    pub fn of(filter: &'a CustomerFilter) -> Option<Self> {
        let (key, from) = match filter {
            CustomerFilter::CompanyNamePrefix(p) => (SearchKey::CompanyName, p.as_str()),
            CustomerFilter::DomainPrefix(p) => (SearchKey::Domain, p.as_str()),
            _ => return None,
        };
        successor(from).map(|below| Self { key, from, below })
    }
}

/// The first string in code point order after every string that starts with `prefix`: the
/// prefix with its last character advanced by one (past the surrogates, which no string
/// holds), dropping trailing U+10FFFF first. `None` when nothing is left.
pub fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last as u32 + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// At most how many matches a search reads from the key index before it walks in creation
/// order instead: `1000 × √limit`, which balances the two ways' worst cases at a million
/// customers (see the module documentation).
pub fn probe_cap(limit: u32) -> usize {
    (1000.0 * f64::from(limit.max(1)).sqrt()) as usize
}

/// What the key-index probe found out about a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probed {
    /// The range ended within the cap: the seqs of the page's customers, oldest first.
    Page(Vec<i64>),
    /// More than the cap match: walk in creation order, up to and including `until`.
    Walk {
        /// The `limit`-th oldest match the probe saw (or `i64::MAX` if it saw fewer): the
        /// page cannot reach past it, since the probe's matches are some of all matches.
        /// Bounding the walk by it bounds its cost whichever plan the database picks.
        until: i64,
    },
}

impl Probed {
    /// A page without a prefix to probe: the walk in creation order, unbounded.
    pub const UNBOUNDED_WALK: Self = Self::Walk { until: i64::MAX };
}

/// What the probe's matches (at most `probe_cap(limit) + 1`, in key order) say about the page.
pub fn page_from_probe(mut seqs: Vec<i64>, limit: u32) -> Probed {
    seqs.sort_unstable();
    if seqs.len() > probe_cap(limit) {
        let until = seqs.get((limit as usize).max(1) - 1).copied();
        return Probed::Walk {
            until: until.unwrap_or(i64::MAX),
        };
    }
    seqs.truncate(limit as usize);
    Probed::Page(seqs)
}

/// Which way a page of customers was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SearchPath {
    /// The prefix's matches were few enough to read from the key index.
    KeyIndex,
    /// The partner's customers in creation order, each tested against the filter if there is
    /// one: lists without a prefix, and prefixes that many customers match.
    CreationOrder,
}

/// How a page of customers is read: the way chosen and the database's plan of each statement
/// run, one line per plan step. A diagnostic (tests assert on it; operators can read it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryPlan {
    /// The way chosen.
    pub path: SearchPath,
    /// The plan of the key-index probe, if the page's filter is a prefix.
    pub probe: Vec<String>,
    /// The plan of the statement that reads the page's customers.
    pub page: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_bounds_exactly_the_strings_with_the_prefix() {
        assert_eq!(successor("abc").as_deref(), Some("abd"));
        assert_eq!(successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(successor("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(successor(""), None);
        assert_eq!(successor("\u{10FFFF}\u{10FFFF}"), None);
        let prefix = "ärger";
        let below = successor(prefix).unwrap();
        for s in ["ärger", "ärger gmbh", "ärger\u{10FFFF}x", "ärgerz"] {
            assert!(prefix <= s && s < below.as_str(), "{s} is in the range");
        }
        for s in ["ärgen", "ärges", "ärges", "ärg"] {
            assert!(
                !(prefix <= s && s < below.as_str()),
                "{s} is outside the range"
            );
        }
    }

    #[test]
    fn the_probe_answers_within_its_cap_only() {
        assert_eq!(probe_cap(100), 10_000);
        assert_eq!(probe_cap(0), 1_000);
        assert_eq!(
            page_from_probe(vec![9, 3, 7, 1], 2),
            Probed::Page(vec![1, 3])
        );
        assert_eq!(page_from_probe(vec![], 2), Probed::Page(vec![]));
        let over: Vec<i64> = (0..=probe_cap(3) as i64).rev().collect();
        assert_eq!(page_from_probe(over.clone(), 3), Probed::Walk { until: 2 });
        assert_eq!(page_from_probe(over, 0), Probed::Walk { until: 0 });
    }
}
