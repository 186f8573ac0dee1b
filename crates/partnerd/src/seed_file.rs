//! Declarative seed data: partners with fixed tenant ids, apps, secrets, users and MFA
//! flags, links between partners, customers with fixed ids and profiles, and fault rules,
//! from one JSON or YAML file (`partnerd serve --seed FILE`, `partnerd seed-file apply FILE`),
//! so that a test suite can hard-code its credentials.
//!
//! Applying is idempotent: what the store already holds as the file says is left alone, so a
//! second start with the same file changes nothing. A secret or password the file changes is
//! set anew; anything else the file contradicts (a partner, app, user or customer stored
//! differently) is refused with a message that names it, and nothing of the file is written
//! past that point. Fault rules live in a server's memory: `serve --seed` arms them.

use std::path::Path;

use partnerd_store::{
    AppRecord, ClientId, CustomerId, CustomerLookup, NewPartner, PartnerKind, PartnerRecord, Store,
    StoreError, TenantId, UserId, UserRecord,
};
use partnerd_wire::Customer;
use serde::Deserialize;

use crate::identity::{hash_secret, verify_secret, DEFAULT_SANDBOX_CAP};
use crate::ops::faults::FaultRule;

/// A seed file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedFile {
    /// Partners, created when absent.
    #[serde(default)]
    pub partners: Vec<SeedPartner>,
    /// Indirect provider to reseller links.
    #[serde(default)]
    pub links: Vec<SeedLink>,
    /// Fault rules, as `POST /_partnerd/faults` takes them.
    #[serde(default)]
    pub faults: Vec<FaultRule>,
}

/// A partner of a seed file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPartner {
    /// Its tenant id (a GUID).
    pub tenant_id: String,
    /// Display name.
    pub name: String,
    /// Its verified domain; default: the name's letters and digits, `.onmicrosoft.com`.
    #[serde(default)]
    pub domain: Option<String>,
    /// Its MPN id; default: derived from the tenant id.
    #[serde(default)]
    pub mpn_id: Option<String>,
    /// `sandbox` (the default) or `production`.
    #[serde(default)]
    pub kind: Option<PartnerKind>,
    /// Most customers a sandbox partner may hold (default 75; 0 = no cap).
    #[serde(default)]
    pub customer_cap: Option<u32>,
    /// App registrations.
    #[serde(default)]
    pub apps: Vec<SeedApp>,
    /// Users.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// Customers, in the shape `POST /v1/customers` takes, each with its `id`.
    #[serde(default)]
    pub customers: Vec<Customer>,
}

/// An app registration of a seed file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedApp {
    /// Client id (a GUID).
    pub client_id: String,
    /// Display name; default: the partner's name and " app".
    #[serde(default)]
    pub name: Option<String>,
    /// The client secret.
    pub secret: String,
}

/// A user of a seed file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedUser {
    /// Object id (a GUID).
    pub object_id: String,
    /// User principal name.
    pub upn: String,
    /// The password.
    pub password: String,
    /// Whether the user has registered multi-factor authentication (default true).
    #[serde(default = "yes")]
    pub mfa: bool,
}

fn yes() -> bool {
    true
}

/// An indirect provider to reseller link of a seed file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedLink {
    /// The indirect provider's tenant id.
    pub provider: String,
    /// The indirect reseller's tenant id.
    pub reseller: String,
}

/// What applying a seed file did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// Partners created.
    pub partners_created: usize,
    /// Customers created.
    pub customers_created: usize,
    /// Secrets and passwords set anew.
    pub credentials_changed: usize,
    /// Links made (already present ones included).
    pub links: usize,
    /// Whatever was already there as the file says.
    pub unchanged: usize,
}

/// Why a seed file cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The file cannot be read or parsed; the message names where.
    #[error("{0}")]
    File(String),
    /// The file contradicts itself or the store.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SeedFile {
    /// Reads a seed file: JSON when its name ends in `.json`, YAML otherwise (which JSON also
    /// is).
    pub fn read(path: &Path) -> Result<Self, SeedError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SeedError::File(format!("cannot read {}: {e}", path.display())))?;
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        Self::parse(&text, json).map_err(|e| SeedError::File(format!("{}: {e}", path.display())))
    }

    /// Parses a seed file's text; errors name the offending field by its path.
    pub fn parse(text: &str, json: bool) -> Result<Self, String> {
        let value: serde_json::Value = if json {
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?
        } else {
            serde_saphyr::from_str(text).map_err(|e| format!("not YAML: {e}"))?
        };
        serde_path_to_error::deserialize(value).map_err(|e| {
            let at = e.path().to_string();
            format!("{at}: {}", e.into_inner())
        })
    }

    /// Checks every rule of the file that needs no store: ids are GUIDs, names are unique,
    /// customers have ids and valid profiles, links name partners.
    pub fn check(&self) -> Result<Vec<PlannedPartner>, SeedError> {
        let invalid = SeedError::Invalid;
        let mut seen = std::collections::HashSet::new();
        let mut planned = Vec::with_capacity(self.partners.len());
        for (i, p) in self.partners.iter().enumerate() {
            let at = format!("partners[{i}]");
            let tenant = TenantId::parse(&p.tenant_id)
                .map_err(|_| invalid(format!("{at}.tenantId: must be a GUID")))?;
            let mut planned_apps = Vec::new();
            for (j, a) in p.apps.iter().enumerate() {
                let id = ClientId::parse(&a.client_id)
                    .map_err(|_| invalid(format!("{at}.apps[{j}].clientId: must be a GUID")))?;
                if a.secret.is_empty() {
                    return Err(invalid(format!("{at}.apps[{j}].secret: must not be empty")));
                }
                planned_apps.push(id);
            }
            let mut planned_users = Vec::new();
            for (j, u) in p.users.iter().enumerate() {
                let id = UserId::parse(&u.object_id)
                    .map_err(|_| invalid(format!("{at}.users[{j}].objectId: must be a GUID")))?;
                if u.password.is_empty() || !u.upn.contains('@') {
                    return Err(invalid(format!(
                        "{at}.users[{j}]: needs a upn (name@domain) and a password"
                    )));
                }
                planned_users.push(id);
            }
            let mut customers = Vec::new();
            for (j, c) in p.customers.iter().enumerate() {
                let id = c
                    .id
                    .as_deref()
                    .and_then(|id| CustomerId::parse(id).ok())
                    .ok_or_else(|| invalid(format!("{at}.customers[{j}].id: must be a GUID")))?;
                let input = crate::api::customers::validate::new_customer(c).map_err(|e| {
                    invalid(format!(
                        "{at}.customers[{j}]: {} {}",
                        e.fault.description,
                        e.fault.data.join("; ")
                    ))
                })?;
                customers.push((id, input));
            }
            let ids = std::iter::once(tenant.to_string())
                .chain(planned_apps.iter().map(ToString::to_string))
                .chain(planned_users.iter().map(ToString::to_string))
                .chain(customers.iter().map(|(id, _)| id.to_string()))
                .chain(p.users.iter().map(|u| u.upn.to_ascii_lowercase()));
            for id in ids {
                if !seen.insert(id.clone()) {
                    return Err(invalid(format!("{at}: {id} appears twice in the file")));
                }
            }
            planned.push(PlannedPartner {
                tenant,
                apps: planned_apps,
                users: planned_users,
                customers,
            });
        }
        for (i, rule) in self.faults.iter().enumerate() {
            crate::ops::faults::check_rule(rule)
                .map_err(|e| invalid(format!("faults[{i}]: {e}")))?;
        }
        for (i, l) in self.links.iter().enumerate() {
            for id in [&l.provider, &l.reseller] {
                TenantId::parse(id)
                    .map_err(|_| invalid(format!("links[{i}]: {id} is not a GUID")))?;
            }
        }
        Ok(planned)
    }

    /// Applies the file's partners, customers and links to the store (not its fault rules:
    /// see [`crate::ops::faults::Faults::add`]).
    pub async fn apply(&self, store: &dyn Store) -> Result<Applied, SeedError> {
        let planned = self.check()?;
        let mut applied = Applied::default();
        for (p, plan) in self.partners.iter().zip(planned) {
            apply_partner(store, p, &plan, &mut applied).await?;
        }
        for l in &self.links {
            let (provider, reseller) = (
                TenantId::from_stored(l.provider.to_ascii_lowercase()),
                TenantId::from_stored(l.reseller.to_ascii_lowercase()),
            );
            store
                .link_partners(&provider, &reseller)
                .await
                .map_err(|e| match e {
                    StoreError::UnknownPartner(id) => SeedError::Invalid(format!(
                        "links: no partner {id} (neither in the file nor in the store)"
                    )),
                    other => other.into(),
                })?;
            applied.links += 1;
        }
        Ok(applied)
    }
}

/// A partner's parsed ids and validated customers.
pub struct PlannedPartner {
    tenant: TenantId,
    apps: Vec<ClientId>,
    users: Vec<UserId>,
    customers: Vec<(
        CustomerId,
        crate::api::customers::validate::NewCustomerInput,
    )>,
}

fn domain_of(p: &SeedPartner) -> String {
    p.domain.clone().map_or_else(
        || {
            let slug: String = p
                .name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            format!("{slug}.onmicrosoft.com")
        },
        |d| d.to_ascii_lowercase(),
    )
}

fn hashed(secret: &str) -> Result<String, SeedError> {
    hash_secret(secret).map_err(|e| SeedError::Invalid(format!("cannot hash a secret: {e}")))
}

async fn apply_partner(
    store: &dyn Store,
    p: &SeedPartner,
    plan: &PlannedPartner,
    applied: &mut Applied,
) -> Result<(), SeedError> {
    let tenant = &plan.tenant;
    let kind = p.kind.unwrap_or(PartnerKind::Sandbox);
    let customer_cap = p.customer_cap.unwrap_or(match kind {
        PartnerKind::Sandbox => DEFAULT_SANDBOX_CAP,
        PartnerKind::Production => 0,
    });
    let domain = domain_of(p);
    match store.partner(tenant).await? {
        None => {
            if store.domain_taken(&domain).await?
                || store.partner_by_domain(&domain).await?.is_some()
            {
                return Err(SeedError::Invalid(format!(
                    "partner {tenant}: the domain {domain} is taken"
                )));
            }
            let mut apps = Vec::new();
            for (a, id) in p.apps.iter().zip(&plan.apps) {
                apps.push(AppRecord {
                    client_id: id.clone(),
                    tenant_id: tenant.clone(),
                    name: a.name.clone().unwrap_or_else(|| format!("{} app", p.name)),
                    secret_hash: hashed(&a.secret)?,
                });
            }
            let mut users = Vec::new();
            for (u, id) in p.users.iter().zip(&plan.users) {
                users.push(UserRecord {
                    object_id: id.clone(),
                    tenant_id: tenant.clone(),
                    upn: u.upn.clone(),
                    password_hash: hashed(&u.password)?,
                    mfa: u.mfa,
                });
            }
            let mpn_id = p.mpn_id.clone().unwrap_or_else(|| {
                // Seven digits from the tenant id: the same file gives the same MPN id.
                let n = tenant.as_str().bytes().fold(0u64, |acc, b| {
                    acc.wrapping_mul(31).wrapping_add(u64::from(b))
                });
                (1_000_000 + n % 9_000_000).to_string()
            });
            store
                .create_partner(NewPartner {
                    partner: PartnerRecord {
                        tenant_id: tenant.clone(),
                        name: p.name.clone(),
                        mpn_id,
                        kind,
                        customer_cap,
                        domain,
                    },
                    apps,
                    users,
                    validation_codes: crate::identity::seeded_validation_codes(
                        store, kind, &p.name,
                    ),
                })
                .await
                .map_err(|e| match e {
                    StoreError::Duplicate(what) => SeedError::Invalid(format!(
                        "partner {tenant}: {what} already belongs to another partner"
                    )),
                    other => other.into(),
                })?;
            applied.partners_created += 1;
        }
        Some(stored) => {
            if stored.name != p.name || stored.domain != domain || stored.kind != kind {
                return Err(SeedError::Invalid(format!(
                    "partner {tenant} is stored as {:?} ({}, {}), which the file does not say; \
                     start from an empty database or change the file",
                    stored.name,
                    stored.domain,
                    stored.kind.as_str()
                )));
            }
            applied.unchanged += 1;
            let stored_apps = store.apps_of(tenant).await?;
            for (a, id) in p.apps.iter().zip(&plan.apps) {
                let Some(app) = stored_apps.iter().find(|s| &s.client_id == id) else {
                    return Err(SeedError::Invalid(format!(
                        "partner {tenant} is stored without the app {id}; start from an empty \
                         database to add it"
                    )));
                };
                if verify_secret(&a.secret, &app.secret_hash) {
                    applied.unchanged += 1;
                } else {
                    store.set_app_secret(id, &hashed(&a.secret)?).await?;
                    applied.credentials_changed += 1;
                }
            }
            let stored_users = store.users_of(tenant).await?;
            for (u, id) in p.users.iter().zip(&plan.users) {
                let Some(user) = stored_users.iter().find(|s| &s.object_id == id) else {
                    return Err(SeedError::Invalid(format!(
                        "partner {tenant} is stored without the user {id}; start from an empty \
                         database to add it"
                    )));
                };
                if !user.upn.eq_ignore_ascii_case(&u.upn) || user.mfa != u.mfa {
                    return Err(SeedError::Invalid(format!(
                        "user {id} is stored as {} (MFA {}), which the file does not say",
                        user.upn, user.mfa
                    )));
                }
                if verify_secret(&u.password, &user.password_hash) {
                    applied.unchanged += 1;
                } else {
                    store.set_user_password(id, &hashed(&u.password)?).await?;
                    applied.credentials_changed += 1;
                }
            }
        }
    }
    for (id, input) in &plan.customers {
        match store.customer(tenant, id).await? {
            CustomerLookup::Related(view) => {
                if !view.domain.eq_ignore_ascii_case(&input.domain) {
                    return Err(SeedError::Invalid(format!(
                        "customer {id} is stored with the domain {}, not {}",
                        view.domain, input.domain
                    )));
                }
                applied.unchanged += 1;
            }
            CustomerLookup::Unrelated => {
                return Err(SeedError::Invalid(format!(
                    "customer {id} belongs to another partner than {tenant}"
                )));
            }
            CustomerLookup::Missing => {
                if store.partner_by_domain(&input.domain).await?.is_some() {
                    return Err(SeedError::Invalid(format!(
                        "customer {id}: {} is a partner's domain",
                        input.domain
                    )));
                }
                let (new, _password) = crate::api::customers::new_record(
                    tenant.clone(),
                    id.clone(),
                    input.clone(),
                    None,
                );
                // Sandbox partners are capped here as through the API.
                let cap = (kind == PartnerKind::Sandbox).then_some(customer_cap);
                store
                    .create_customer(new, cap, None)
                    .await
                    .map_err(|e| match e {
                        StoreError::DomainTaken => SeedError::Invalid(format!(
                            "customer {id}: the domain {} is taken",
                            input.domain
                        )),
                        StoreError::CapReached(_) => SeedError::Invalid(format!(
                            "customer {id}: partner {tenant} has reached its cap of \
                             {customer_cap} customers"
                        )),
                        other => other.into(),
                    })?;
                applied.customers_created += 1;
            }
        }
    }
    Ok(())
}
