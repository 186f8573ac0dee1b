//! The client half of the command line: `customers`, `billing` and `domains` talk to any
//! Partner Center endpoint (partnerd or the real service) through the Rust SDK.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use partnerd_sdk::wire::{Address, Customer, CustomerBillingProfile, CustomerCompanyProfile};
use partnerd_sdk::{Credentials, Error, PartnerCenter};
use serde::{Deserialize, Serialize};

/// Exit code for an answer of 404 (and `domains check` for a free domain).
const EXIT_NOT_FOUND: u8 = 3;
/// Exit code for 401 and 403, and token failures.
const EXIT_DENIED: u8 = 4;
/// Exit code for 409 and 412: a conflict or a stale ETag.
const EXIT_CONFLICT: u8 = 5;
/// Exit code for other 4xx answers (bad input).
const EXIT_INVALID: u8 = 6;
/// Exit code for 5xx, 429 after retries, timeouts and unreachable endpoints.
const EXIT_UNAVAILABLE: u8 = 7;
/// Exit code for a bad client configuration (missing credentials, bad URL).
const EXIT_CONFIG: u8 = 8;

/// Where to connect and as whom; each flag falls back to an environment variable.
#[derive(Args, Clone)]
pub struct Connection {
    /// Base URL of the API and the token authority (the public cloud when unset).
    #[arg(long, env = "PC_BASE_URL", global = true)]
    url: Option<String>,
    /// The partner's tenant id or domain.
    #[arg(long, env = "PC_TENANT", global = true)]
    tenant: Option<String>,
    /// The partner's application (client) id.
    #[arg(long, env = "PC_CLIENT_ID", global = true)]
    client_id: Option<String>,
    /// The application's secret.
    #[arg(long, env = "PC_CLIENT_SECRET", global = true, hide_env_values = true)]
    client_secret: Option<String>,
    /// A user name: with --password, app+user tokens instead of app-only ones.
    #[arg(long, env = "PC_USERNAME", global = true)]
    username: Option<String>,
    /// The user's password.
    #[arg(long, env = "PC_PASSWORD", global = true, hide_env_values = true)]
    password: Option<String>,
    /// A ready access token; replaces the other credentials.
    #[arg(long, env = "PC_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
    /// Also trust this CA certificate (PEM), e.g. partnerd's `tls/ca.pem`.
    #[arg(long, env = "PC_CA_CERT", global = true)]
    ca_cert: Option<PathBuf>,
    /// Print JSON (the wire shape) instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// A named connection from the profile file; `default` is used when it exists.
    #[arg(long, env = "PC_PROFILE", global = true)]
    profile: Option<String>,
    /// The profile file (JSON); `$XDG_CONFIG_HOME/partnerd/profiles.json` or
    /// `~/.config/partnerd/profiles.json` when unset.
    #[arg(long, env = "PC_PROFILE_FILE", global = true)]
    profile_file: Option<PathBuf>,
}

/// One named connection of the profile file: `{"local": {"url": …, "tenant": …}}`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Profile {
    url: Option<String>,
    tenant: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    token: Option<String>,
    ca_cert: Option<PathBuf>,
}

impl Connection {
    fn default_profile_file() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("partnerd").join("profiles.json"))
    }

    /// Fills the settings flags and environment left unset from the profile file.
    fn with_profile(mut self) -> Result<Self, Error> {
        let explicit = self.profile_file.is_some() || self.profile.is_some();
        let Some(path) = self
            .profile_file
            .clone()
            .or_else(Self::default_profile_file)
        else {
            return Ok(self);
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(self),
            Err(e) => {
                return Err(Error::Config(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        };
        let mut profiles: BTreeMap<String, Profile> = serde_json::from_str(&text)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        let name = self.profile.clone().unwrap_or_else(|| "default".to_owned());
        let p = match profiles.remove(&name) {
            Some(p) => p,
            None if self.profile.is_none() => return Ok(self),
            None => {
                return Err(Error::Config(format!(
                    "{} has no profile '{name}'",
                    path.display()
                )));
            }
        };
        let fill = |slot: &mut Option<String>, v: Option<String>| {
            if slot.is_none() {
                *slot = v;
            }
        };
        fill(&mut self.url, p.url);
        fill(&mut self.tenant, p.tenant);
        fill(&mut self.client_id, p.client_id);
        fill(&mut self.client_secret, p.client_secret);
        fill(&mut self.username, p.username);
        fill(&mut self.password, p.password);
        fill(&mut self.token, p.token);
        if self.ca_cert.is_none() {
            self.ca_cert = p.ca_cert;
        }
        Ok(self)
    }
}

/// `partnerd customers ...`
#[derive(Subcommand)]
// Parsed once per process: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum CustomersCommand {
    /// List the partner's customers, following continuation tokens.
    List {
        /// Stop after this many customers (all when unset).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show one customer.
    Get { id: String },
    /// Create a customer.
    Create(NewCustomer),
    /// Delete a customer (integration-sandbox partners only).
    Delete { id: String },
    /// End the reseller relationship with a customer.
    RemoveRelationship { id: String },
}

/// The fields of a new customer.
#[derive(Args)]
pub struct NewCustomer {
    /// The customer's initial domain prefix or full `.onmicrosoft.com` domain.
    #[arg(long)]
    domain: String,
    #[arg(long)]
    company: String,
    #[arg(long)]
    email: String,
    #[arg(long, default_value = "en-US")]
    culture: String,
    #[arg(long, default_value = "en")]
    language: String,
    #[command(flatten)]
    address: AddressArgs,
}

/// Address fields shared by `customers create` and `billing set`.
#[derive(Args, Default)]
pub struct AddressArgs {
    /// ISO 3166 two-letter country code.
    #[arg(long)]
    country: Option<String>,
    #[arg(long)]
    city: Option<String>,
    #[arg(long)]
    state: Option<String>,
    #[arg(long)]
    address_line1: Option<String>,
    #[arg(long)]
    postal_code: Option<String>,
}

/// `partnerd billing ...`
#[derive(Subcommand)]
// Parsed once per process: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum BillingCommand {
    /// Show a customer's billing profile.
    Get { customer: String },
    /// Change fields of a customer's billing profile (read, change, write back with its ETag).
    Set {
        customer: String,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        company: Option<String>,
        #[arg(long)]
        culture: Option<String>,
        #[arg(long)]
        language: Option<String>,
        #[command(flatten)]
        address: AddressArgs,
    },
}

/// `partnerd domains ...`
#[derive(Subcommand)]
pub enum DomainsCommand {
    /// Whether a domain is taken: exit 0 if it exists, 3 if it is free.
    Check { domain: String },
}

/// A client command with its connection.
pub enum ClientCommand {
    Customers(CustomersCommand),
    Billing(BillingCommand),
    Domains(DomainsCommand),
    Seed {
        customers: usize,
        concurrency: usize,
    },
}

/// Runs a client command and maps the outcome to an exit code scripts can trust.
pub async fn run(connection: Connection, command: ClientCommand) -> ExitCode {
    let connection = match connection.with_profile() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let client = match connect(&connection) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let out = Output {
        json: connection.json,
    };
    let result = match command {
        ClientCommand::Customers(c) => customers(&client, &out, c).await,
        ClientCommand::Billing(c) => billing(&client, &out, c).await,
        ClientCommand::Seed {
            customers,
            concurrency,
        } => {
            let (summary, first_error) = crate::seed::run(&client, customers, concurrency).await;
            out.line(&summary, || crate::seed::describe(&summary));
            first_error.map_or(Ok(()), Err)
        }
        ClientCommand::Domains(DomainsCommand::Check { domain }) => {
            match client.domains().by_domain(&domain).exists().await {
                Ok(exists) => {
                    out.line(
                        &serde_json::json!({"domain": domain, "exists": exists}),
                        || format!("{domain}: {}", if exists { "taken" } else { "free" }),
                    );
                    return if exists {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(EXIT_NOT_FOUND)
                    };
                }
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn connect(c: &Connection) -> Result<PartnerCenter, Error> {
    let need = |v: &Option<String>, flag: &str| {
        v.clone()
            .ok_or_else(|| Error::Config(format!("{flag} is required (or its PC_ variable)")))
    };
    let credentials = if let Some(token) = &c.token {
        Credentials::static_token(token.clone())
    } else {
        let tenant = need(&c.tenant, "--tenant")?;
        let client_id = need(&c.client_id, "--client-id")?;
        match (&c.username, &c.password) {
            (Some(user), Some(password)) => Credentials::password(
                tenant,
                client_id,
                c.client_secret.clone(),
                user.clone(),
                password.clone(),
            ),
            _ => Credentials::client_secret(
                tenant,
                client_id,
                need(&c.client_secret, "--client-secret")?,
            ),
        }
    };
    let mut builder = PartnerCenter::builder().credentials(credentials);
    if let Some(url) = &c.url {
        builder = builder.base_url(url).authority(url);
    }
    if let Some(path) = &c.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        builder = builder.root_certificate_pem(pem);
    }
    builder.build()
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("partnerd: {e}");
    // Transport errors hide the cause (refused, certificate, DNS) in their sources.
    let mut said = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !said.contains(&text) {
            eprintln!("  because: {text}");
        }
        said = text;
        source = cause.source();
    }
    if let Some(code) = e.code() {
        eprintln!("  code: {code}");
    }
    for d in e.data() {
        eprintln!("  data: {d}");
    }
    if let Some(id) = e.correlation_id() {
        eprintln!("  correlation id: {id}");
    }
    ExitCode::from(exit_code(e))
}

fn exit_code(e: &Error) -> u8 {
    match (e, e.status()) {
        (Error::Config(_), _) => EXIT_CONFIG,
        (Error::Auth { .. }, _) | (_, Some(401 | 403)) => EXIT_DENIED,
        (_, Some(404)) => EXIT_NOT_FOUND,
        (_, Some(409 | 412)) => EXIT_CONFLICT,
        (_, Some(429)) | (_, Some(500..)) | (_, None) => EXIT_UNAVAILABLE,
        _ => EXIT_INVALID,
    }
}

/// Prints either JSON or the human form.
struct Output {
    json: bool,
}

impl Output {
    fn line<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).unwrap_or_default()
            );
        } else {
            println!("{}", human());
        }
    }
}

/// A table with columns as wide as their widest cell.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let render = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![render(headers.to_vec())];
    out.extend(
        rows.iter()
            .map(|r| render(r.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn customer_row(c: &Customer) -> Vec<String> {
    let company = c.company_profile.as_ref();
    let relationship = serde_json::to_value(c.relationship_to_partner)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    vec![
        text(&c.id),
        text(&company.and_then(|p| p.company_name.clone())),
        text(&company.and_then(|p| p.domain.clone())),
        relationship,
    ]
}

const CUSTOMER_HEADERS: [&str; 4] = ["ID", "COMPANY", "DOMAIN", "RELATIONSHIP"];

async fn customers(
    client: &PartnerCenter,
    out: &Output,
    command: CustomersCommand,
) -> Result<(), Error> {
    let ops = client.customers();
    match command {
        CustomersCommand::List { limit } => {
            let stream = ops.all();
            futures_util::pin_mut!(stream);
            let mut all = Vec::new();
            while let Some(c) = stream.try_next().await? {
                all.push(c);
                if limit.is_some_and(|l| all.len() >= l) {
                    break;
                }
            }
            out.line(&all, || {
                table(
                    &CUSTOMER_HEADERS,
                    &all.iter().map(customer_row).collect::<Vec<_>>(),
                )
            });
        }
        CustomersCommand::Get { id } => {
            let c = ops.by_id(id).get().await?;
            out.line(&c, || table(&CUSTOMER_HEADERS, &[customer_row(&c)]));
        }
        CustomersCommand::Create(n) => {
            let domain = if n.domain.contains('.') {
                n.domain.clone()
            } else {
                format!("{}.onmicrosoft.com", n.domain)
            };
            let customer = Customer {
                company_profile: Some(CustomerCompanyProfile {
                    domain: Some(domain),
                    ..Default::default()
                }),
                billing_profile: Some(CustomerBillingProfile {
                    email: Some(n.email),
                    culture: Some(n.culture),
                    language: Some(n.language),
                    company_name: Some(n.company),
                    default_address: Some(n.address.into_address(Address::default())),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let c = ops.create(&customer).await?;
            out.line(&c, || table(&CUSTOMER_HEADERS, &[customer_row(&c)]));
        }
        CustomersCommand::Delete { id } => {
            ops.by_id(&id).delete().await?;
            out.line(&serde_json::json!({"id": id, "deleted": true}), || {
                format!("deleted {id}")
            });
        }
        CustomersCommand::RemoveRelationship { id } => {
            let c = ops.by_id(&id).remove_reseller_relationship().await?;
            out.line(&c, || {
                format!("removed the reseller relationship with {id}")
            });
        }
    }
    Ok(())
}

impl AddressArgs {
    fn is_empty(&self) -> bool {
        self.country.is_none()
            && self.city.is_none()
            && self.state.is_none()
            && self.address_line1.is_none()
            && self.postal_code.is_none()
    }

    /// `base` with the given fields replaced.
    fn into_address(self, base: Address) -> Address {
        Address {
            country: self.country.or(base.country),
            city: self.city.or(base.city),
            state: self.state.or(base.state),
            address_line1: self.address_line1.or(base.address_line1),
            postal_code: self.postal_code.or(base.postal_code),
            ..base
        }
    }
}

fn billing_table(p: &CustomerBillingProfile) -> String {
    let a = p.default_address.clone().unwrap_or_default();
    let etag = p.attributes.as_ref().and_then(|a| a.etag.clone());
    let rows: Vec<Vec<String>> = [
        ("first name", &p.first_name),
        ("last name", &p.last_name),
        ("email", &p.email),
        ("company", &p.company_name),
        ("culture", &p.culture),
        ("language", &p.language),
        ("address", &a.address_line1),
        ("city", &a.city),
        ("state", &a.state),
        ("postal code", &a.postal_code),
        ("country", &a.country),
        ("etag", &etag),
    ]
    .into_iter()
    .map(|(k, v)| vec![k.to_owned(), text(v)])
    .collect();
    table(&["FIELD", "VALUE"], &rows)
}

async fn billing(
    client: &PartnerCenter,
    out: &Output,
    command: BillingCommand,
) -> Result<(), Error> {
    match command {
        BillingCommand::Get { customer } => {
            let p = client
                .customers()
                .by_id(customer)
                .profiles()
                .billing()
                .get()
                .await?;
            out.line(&p, || billing_table(&p));
        }
        BillingCommand::Set {
            customer,
            first_name,
            last_name,
            email,
            company,
            culture,
            language,
            address,
        } => {
            let ops = client.customers().by_id(customer).profiles().billing();
            let mut p = ops.get().await?;
            p.first_name = first_name.or(p.first_name);
            p.last_name = last_name.or(p.last_name);
            p.email = email.or(p.email);
            p.company_name = company.or(p.company_name);
            p.culture = culture.or(p.culture);
            p.language = language.or(p.language);
            if !address.is_empty() {
                p.default_address =
                    Some(address.into_address(p.default_address.unwrap_or_default()));
            }
            let updated = ops.update(&p).await?;
            out.line(&updated, || billing_table(&updated));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_on_the_widest_cell() {
        let t = table(
            &["ID", "NAME"],
            &[
                vec!["1".into(), "Contoso".into()],
                vec!["22".into(), "Ab".into()],
            ],
        );
        assert_eq!(t, "ID  NAME\n1   Contoso\n22  Ab");
    }

    #[test]
    fn errors_map_to_distinct_exit_codes() {
        assert_eq!(exit_code(&Error::Config("x".into())), EXIT_CONFIG);
    }
}
