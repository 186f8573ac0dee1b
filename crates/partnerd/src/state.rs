//! The state every handler receives, passed explicitly (no globals).

use std::sync::Arc;

use partnerd_store::{DynStore, SharedClock};

use crate::api::customers::paging::PageSigner;
use crate::auth::hashing::Hasher;
use crate::auth::keys::KeyRing;
use crate::auth::lockout::Lockout;
use crate::auth::TokenCache;
use crate::config::Settings;
use crate::ops::Ops;

/// Shared application state: one reference-counted allocation, so the clones axum makes for
/// every layer and extractor cost one atomic increment each.
#[derive(Clone)]
pub struct AppState(Arc<State>);

impl std::ops::Deref for AppState {
    type Target = State;

    fn deref(&self) -> &State {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct State {
    /// The store.
    pub store: DynStore,
    /// The wall clock, the store's own: token lifetimes and every expiry follow it.
    pub clock: SharedClock,
    /// Signing keys.
    pub keys: Arc<KeyRing>,
    /// Verified tokens.
    pub tokens: Arc<TokenCache>,
    /// Continuation-token signer.
    pub pages: Arc<PageSigner>,
    /// This node's `MS-ServerId`.
    pub server_id: Arc<str>,
    /// Configuration.
    pub settings: Arc<Settings>,
    /// Password-check failure counters.
    pub lockout: Arc<Lockout>,
    /// Checks client secrets and passwords off the async workers, in reused memory.
    pub hasher: Arc<Hasher>,
    /// Key material of idempotency records (shared by every node through the store).
    pub idempotency_secret: Arc<[u8]>,
    /// Metrics, journal, throttling, faults and the admin token.
    pub ops: Arc<Ops>,
    /// The request history behind the MFA reports.
    pub history: Arc<crate::ops::history::History>,
}

impl AppState {
    /// Builds the state over a store with default settings.
    pub async fn new(store: DynStore) -> Result<Self, partnerd_store::StoreError> {
        Self::with_settings(store, Settings::default()).await
    }

    /// Builds the state over a store: loads (or creates) signing keys and the paging secret.
    pub async fn with_settings(
        store: DynStore,
        settings: Settings,
    ) -> Result<Self, partnerd_store::StoreError> {
        let keys = KeyRing::open(store.clone()).await?;
        let pages = PageSigner::open(store.as_ref()).await?;
        let mut candidate = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut candidate);
        let idempotency_secret = store.secret("idempotency", &candidate).await?;
        let server_id = format!(
            "partnerd-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let ops = Arc::new(Ops::new(
            settings.journal_capacity,
            settings.journal_bytes,
            settings
                .throttle
                .map(|(limit, per)| crate::ops::throttle::Throttle::new(limit, per)),
            settings
                .admin_token
                .clone()
                .unwrap_or_else(crate::identity::generate_secret),
        ));
        crate::ops::recent::spawn_sampler(Arc::downgrade(&ops));
        let metrics = ops.clone();
        store.observe_latency(Box::new(move |took| metrics.metrics.record_store(took)));
        crate::api::incidents::seed_once(&store).await?;
        let history = crate::ops::history::History::start(
            store.clone(),
            store.clock(),
            i64::from(settings.request_history_days) * 86_400,
        );
        Ok(Self(Arc::new(State {
            history: Arc::new(history),
            clock: store.clock(),
            store,
            keys: Arc::new(keys),
            tokens: Arc::new(TokenCache::default()),
            pages: Arc::new(pages),
            server_id: server_id.into(),
            lockout: Arc::new(Lockout::new(settings.lockout)),
            hasher: Arc::new(Hasher::for_this_machine()),
            ops,
            idempotency_secret: idempotency_secret.into(),
            settings: Arc::new(settings),
        })))
    }
}
