//! Export and import: everything a store holds, as records any backend can load.
//!
//! Exported: partners with their apps and users, partner links, active signing keys, server
//! secrets, GCC validation codes, server-wide documents (service incidents), and customers
//! with their profiles, relationships,
//! admin-password hashes, documents and added domains, in creation order. Not exported:
//! refresh tokens, codes, idempotency records and the request history, which are
//! short-lived. Importing needs an empty store.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tokio::sync::mpsc;

use crate::error::{StoreError, StoreResult};
use crate::lifecycle::RecordKind;
use crate::model::{ExportCustomer, ExportRecord, NewPartner};
use crate::Store;

/// Every record of a store, in an order [`import`] can load.
pub async fn export(store: &dyn Store) -> StoreResult<Vec<ExportRecord>> {
    let mut out = Vec::new();
    let partners = store.all_partners().await?;
    for p in &partners {
        out.push(ExportRecord::Partner(p.clone()));
        for app in store.apps_of(&p.tenant_id).await? {
            out.push(ExportRecord::App(app));
        }
        for user in store.users_of(&p.tenant_id).await? {
            out.push(ExportRecord::User(user));
        }
    }
    for p in &partners {
        for code in store.validation_codes(&p.tenant_id).await? {
            out.push(ExportRecord::ValidationCode {
                partner_id: p.tenant_id.clone(),
                code,
            });
        }
    }
    for p in &partners {
        for link in store.partner_links(&p.tenant_id).await? {
            if link.direction == crate::LinkDirection::OtherIsReseller {
                out.push(ExportRecord::Link {
                    provider_id: p.tenant_id.clone(),
                    reseller_id: link.other.tenant_id,
                });
            }
        }
    }
    // Oldest first, so the import leaves the newest one signing.
    let mut keys = store.signing_keys().await?;
    keys.reverse();
    out.extend(keys.into_iter().map(ExportRecord::Key));
    for (name, value) in store.all_secrets().await? {
        out.push(ExportRecord::Secret {
            name,
            value: STANDARD.encode(value),
        });
    }
    for kind in crate::history::EXPORTED_DOCUMENTS {
        for (key, body) in store.documents(kind).await? {
            out.push(ExportRecord::Document {
                kind: kind.to_owned(),
                key,
                body,
            });
        }
    }
    for mut customer in store.export_customers().await? {
        for kind in RecordKind::ALL {
            customer
                .records
                .extend(store.customer_records(&customer.id, kind).await?);
        }
        customer.domains = store.customer_domains(&customer.id).await?;
        out.push(ExportRecord::Customer(Box::new(customer)));
    }
    Ok(out)
}

/// Loads records into an empty store; partners' apps and users must follow their partner.
pub async fn import(store: &dyn Store, records: Vec<ExportRecord>) -> StoreResult<usize> {
    let (sender, receiver) = mpsc::channel(records.len().max(1));
    for record in records {
        // The channel holds every record, so this never waits.
        let _ = sender.try_send(Ok(record));
    }
    drop(sender);
    import_stream(store, receiver, IMPORT_BATCH).await
}

/// Loads records into an empty store as they arrive; the first `Err` received stops the
/// import. Customers go in transactions of `batch` ([`IMPORT_BATCH`] unless a test wants
/// smaller ones), and while one is stored the next is received, so that the reading, parsing
/// and encoding of the records overlap with the store's work.
///
/// An import is not one transaction: what was loaded before a failure stays. The store is then
/// no longer empty, so a second attempt needs a fresh one.
pub async fn import_stream<E: From<StoreError>>(
    store: &dyn Store,
    mut records: mpsc::Receiver<Result<ExportRecord, E>>,
    batch: usize,
) -> Result<usize, E> {
    if store.partner_count().await? > 0 || !store.export_customers().await?.is_empty() {
        return Err(StoreError::Config(
            "import needs an empty store: this one already holds partners or customers".to_owned(),
        )
        .into());
    }
    let mut count = 0;
    let mut pending: Option<NewPartner> = None;
    let mut storing: Option<Vec<ExportCustomer>> = None;
    loop {
        let run = match storing.take() {
            Some(full) => {
                let (run, stored) = tokio::join!(
                    next_run(&mut records, batch, &mut count),
                    import_batch(store, full)
                );
                stored?;
                run?
            }
            None => next_run(&mut records, batch, &mut count).await?,
        };
        // The partner read last comes before the customers that follow it.
        if !run.customers.is_empty() {
            if let Some(p) = pending.take() {
                store.create_partner(p).await?;
            }
        }
        match run.then {
            Then::Full => storing = Some(run.customers),
            Then::Record(record) => {
                // Customers keep their order relative to everything else.
                import_batch(store, run.customers).await?;
                import_record(store, &mut pending, *record).await?;
            }
            Then::End => {
                import_batch(store, run.customers).await?;
                break;
            }
        }
    }
    if let Some(p) = pending.take() {
        store.create_partner(p).await?;
    }
    Ok(count)
}

/// The order an import reads records in, as errors about it say.
const EXPORT_ORDER: &str = "an import reads records in the order `partnerd export` writes them \
     (each partner followed by its apps and users, then links, keys, secrets, documents and \
     codes, then customers)";

/// A run of consecutive customers, and what ended it.
struct Run {
    customers: Vec<ExportCustomer>,
    then: Then,
}

enum Then {
    /// The run holds a whole batch; more may follow.
    Full,
    /// A record that is not a customer.
    Record(Box<ExportRecord>),
    /// The records ran out.
    End,
}

/// Receives customers until a batch is full, another kind of record comes, or the end.
async fn next_run<E>(
    records: &mut mpsc::Receiver<Result<ExportRecord, E>>,
    batch: usize,
    count: &mut usize,
) -> Result<Run, E> {
    let mut customers = Vec::new();
    while customers.len() < batch {
        let Some(record) = records.recv().await else {
            return Ok(Run {
                customers,
                then: Then::End,
            });
        };
        *count += 1;
        match record? {
            ExportRecord::Customer(customer) => customers.push(*customer),
            other => {
                return Ok(Run {
                    customers,
                    then: Then::Record(Box::new(other)),
                })
            }
        }
    }
    Ok(Run {
        customers,
        then: Then::Full,
    })
}

/// Stores one record that is not a customer. A partner waits in `pending` for its apps and
/// users, which must follow it, and is stored when anything else comes.
async fn import_record(
    store: &dyn Store,
    pending: &mut Option<NewPartner>,
    record: ExportRecord,
) -> StoreResult<()> {
    match record {
        ExportRecord::Partner(partner) => {
            if let Some(p) = pending.take() {
                store.create_partner(p).await?;
            }
            *pending = Some(NewPartner {
                partner,
                apps: Vec::new(),
                users: Vec::new(),
                validation_codes: Vec::new(),
            });
        }
        ExportRecord::App(app) => match pending.as_mut() {
            Some(p) if p.partner.tenant_id == app.tenant_id => p.apps.push(app),
            _ => {
                return Err(StoreError::Config(format!(
                    "app {} does not directly follow its partner: {EXPORT_ORDER}",
                    app.client_id
                )))
            }
        },
        ExportRecord::User(user) => match pending.as_mut() {
            Some(p) if p.partner.tenant_id == user.tenant_id => p.users.push(user),
            _ => {
                return Err(StoreError::Config(format!(
                    "user {} does not directly follow its partner: {EXPORT_ORDER}",
                    user.upn
                )))
            }
        },
        other => {
            if let Some(p) = pending.take() {
                store.create_partner(p).await?;
            }
            import_other(store, other).await?;
        }
    }
    Ok(())
}

/// Stores one record that is neither a partner (with its apps and users) nor a customer.
async fn import_other(store: &dyn Store, record: ExportRecord) -> StoreResult<()> {
    match record {
        ExportRecord::Link {
            provider_id,
            reseller_id,
        } => store.link_partners(&provider_id, &reseller_id).await?,
        ExportRecord::Key(key) => store.add_signing_key(key).await?,
        ExportRecord::Secret { name, value } => {
            let bytes = STANDARD
                .decode(value)
                .map_err(|e| StoreError::Config(format!("secret {name} is not base64: {e}")))?;
            store.secret(&name, &bytes).await?;
        }
        ExportRecord::Document { kind, key, body } => store.put_document(&kind, &key, body).await?,
        ExportRecord::ValidationCode { partner_id, code } => {
            store.put_validation_code(&partner_id, code).await?
        }
        ExportRecord::Partner(_)
        | ExportRecord::App(_)
        | ExportRecord::User(_)
        | ExportRecord::Customer(_) => {}
    }
    Ok(())
}

/// Customers loaded per transaction by an import: large enough that each index page a
/// transaction touches is written once for many customers (see BENCHMARKS.md).
pub const IMPORT_BATCH: usize = 10_000;

/// Loads customers in one transaction, then the documents and domains they gathered.
async fn import_batch(store: &dyn Store, mut customers: Vec<ExportCustomer>) -> StoreResult<()> {
    if customers.is_empty() {
        return Ok(());
    }
    let gathered: Vec<_> = customers
        .iter_mut()
        .map(|c| {
            (
                c.id.clone(),
                std::mem::take(&mut c.records),
                std::mem::take(&mut c.domains),
            )
        })
        .collect();
    store.import_customers(customers).await?;
    for (id, records, domains) in gathered {
        for record in records {
            store.put_customer_record(&id, record, None).await?;
        }
        for domain in domains {
            store.add_domain(&id, domain, None).await?;
        }
    }
    Ok(())
}
