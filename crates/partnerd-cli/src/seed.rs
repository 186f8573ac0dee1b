//! `partnerd seed`: creates realistic customers through the API, several at a time, with a
//! progress bar on a terminal and a closing summary.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use futures_util::StreamExt;
use partnerd_sdk::wire::{Address, Customer, CustomerBillingProfile, CustomerCompanyProfile};
use partnerd_sdk::{Error, PartnerCenter};
use serde::Serialize;

use crate::client::output::Output;
use crate::error::CliError;

/// Country, city, state, street, postal code and culture.
type Place = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
);

/// Addresses that pass Partner Center's validation: country, city, state where the country
/// needs one, a street and a postal code in the country's format.
const PLACES: &[Place] = &[
    (
        "US",
        "Redmond",
        Some("WA"),
        "One Microsoft Way",
        "98052",
        "en-US",
    ),
    (
        "US",
        "Austin",
        Some("TX"),
        "500 Congress Ave",
        "78701",
        "en-US",
    ),
    ("US", "Boston", Some("MA"), "1 Beacon St", "02108", "en-US"),
    (
        "CA",
        "Toronto",
        Some("ON"),
        "100 King St W",
        "M5X 1A9",
        "en-CA",
    ),
    (
        "MX",
        "Monterrey",
        Some("NLE"),
        "Av. Constitución 444",
        "64000",
        "es-MX",
    ),
    ("GB", "London", None, "1 Fleet Street", "EC4Y 1AA", "en-GB"),
    ("DE", "Berlin", None, "Unter den Linden 5", "10117", "de-DE"),
    (
        "FR",
        "Lyon",
        None,
        "12 Rue de la République",
        "69002",
        "fr-FR",
    ),
    ("NL", "Amsterdam", None, "Damrak 1", "1012 LG", "nl-NL"),
    ("JP", "Tokyo", None, "1-1 Marunouchi", "100-0005", "ja-JP"),
    ("AU", "Sydney", None, "1 Macquarie St", "2000", "en-AU"),
    (
        "SE",
        "Stockholm",
        None,
        "Drottninggatan 1",
        "111 51",
        "sv-SE",
    ),
];

const COMPANIES: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Woodgrove",
    "Litware",
    "Adatum",
    "Proseware",
];
const PEOPLE: &[(&str, &str)] = &[
    ("Ada", "Lovelace"),
    ("Grace", "Hopper"),
    ("Alan", "Turing"),
    ("Edsger", "Dijkstra"),
    ("Barbara", "Liskov"),
    ("Donald", "Knuth"),
];

/// The `i`th customer of a run whose domains start with `prefix`.
fn customer(prefix: &str, i: usize) -> Customer {
    let (country, city, state, street, postal, culture) = PLACES[i % PLACES.len()];
    let company = COMPANIES[i % COMPANIES.len()];
    let (first, last) = PEOPLE[i % PEOPLE.len()];
    let domain = format!("{prefix}{i}");
    Customer {
        company_profile: Some(CustomerCompanyProfile {
            domain: Some(format!("{domain}.onmicrosoft.com")),
            ..Default::default()
        }),
        billing_profile: Some(CustomerBillingProfile {
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()),
            email: Some(format!("{}@{domain}.example.com", first.to_lowercase())),
            culture: Some(culture.to_owned()),
            language: Some(culture[..2].to_owned()),
            company_name: Some(format!("{company} {i}")),
            default_address: Some(Address {
                country: Some(country.to_owned()),
                city: Some(city.to_owned()),
                state: state.map(str::to_owned),
                address_line1: Some(street.to_owned()),
                postal_code: Some(postal.to_owned()),
                first_name: Some(first.to_owned()),
                last_name: Some(last.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// What a seed run did.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub requested: usize,
    pub created: usize,
    pub failed: usize,
    pub seconds: f64,
    pub per_second: f64,
    /// Failures by status and code, e.g. `409/990001`.
    pub errors: BTreeMap<String, usize>,
}

/// Creates `count` customers, `concurrency` at a time, and prints the summary. Fails with the
/// first error if any create failed; the summary counts them all.
pub async fn run(
    client: &PartnerCenter,
    out: &Output,
    count: usize,
    concurrency: usize,
) -> Result<(), CliError> {
    let (summary, first_error) = create(client, count, concurrency).await;
    out.line(&summary, || describe(&summary));
    match first_error {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Creates `count` customers, `concurrency` at a time. Returns the summary and the first error.
async fn create(
    client: &PartnerCenter,
    count: usize,
    concurrency: usize,
) -> (Summary, Option<Error>) {
    // A fresh prefix a run, so seeding twice does not collide on domains.
    let prefix = format!("seed{}x", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let bar = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut summary = Summary {
        requested: count,
        created: 0,
        failed: 0,
        seconds: 0.0,
        per_second: 0.0,
        errors: BTreeMap::new(),
    };
    let mut first_error = None;
    let mut results = futures_util::stream::iter(0..count)
        .map(|i| {
            let ops = client.customers();
            let c = customer(&prefix, i);
            async move { ops.create(&c).await }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(result) = results.next().await {
        match result {
            Ok(_) => summary.created += 1,
            Err(e) => {
                summary.failed += 1;
                let key = match (e.status(), e.code()) {
                    (Some(s), Some(c)) => format!("{s}/{c}"),
                    (Some(s), None) => s.to_string(),
                    _ => "transport".to_owned(),
                };
                *summary.errors.entry(key).or_default() += 1;
                first_error.get_or_insert(e);
            }
        }
        if bar {
            progress(&summary, started.elapsed().as_secs_f64());
        }
    }
    if bar {
        eprintln!();
    }
    summary.seconds = started.elapsed().as_secs_f64();
    summary.per_second = summary.created as f64 / summary.seconds.max(1e-9);
    (summary, first_error)
}

fn progress(s: &Summary, elapsed: f64) {
    const WIDTH: usize = 30;
    let done = s.created + s.failed;
    let filled = done * WIDTH / s.requested.max(1);
    let rate = done as f64 / elapsed.max(1e-9);
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {done}/{} {rate:.0}/s errors {}",
        "#".repeat(filled),
        " ".repeat(WIDTH - filled),
        s.requested,
        s.failed
    );
    let _ = err.flush();
}

/// The closing summary as a line of text.
fn describe(s: &Summary) -> String {
    let mut line = format!(
        "created {} of {} customers in {:.1}s ({:.0}/s), {} failed",
        s.created, s.requested, s.seconds, s.per_second, s.failed
    );
    for (key, n) in &s.errors {
        line.push_str(&format!("\n  {n} × {key}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_vary_and_get_unique_domains() {
        let a = customer("p", 0);
        let b = customer("p", 1);
        let domain = |c: &Customer| c.company_profile.as_ref().unwrap().domain.clone();
        let country = |c: &Customer| {
            c.billing_profile
                .as_ref()
                .unwrap()
                .default_address
                .as_ref()
                .unwrap()
                .country
                .clone()
        };
        assert_ne!(domain(&a), domain(&b));
        let countries: std::collections::BTreeSet<_> = (0..PLACES.len())
            .map(|i| country(&customer("p", i)))
            .collect();
        assert!(countries.len() >= 10);
    }
}
