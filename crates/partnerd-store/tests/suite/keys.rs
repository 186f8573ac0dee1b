//! [`KeyStore`]: signing keys, newest first, and their retirement; server secrets, where the
//! first writer wins even when several nodes start at once.

use std::collections::HashSet;

use partnerd_store::*;

pub(crate) async fn signing_keys_and_secrets(store: DynStore) {
    assert_eq!(store.signing_keys().await.unwrap(), vec![]);
    let key = |kid: &str, created_at: i64| SigningKeyRecord {
        kid: kid.to_owned(),
        private_pem: format!("-----BEGIN PRIVATE KEY-----\n{kid}\n-----END PRIVATE KEY-----\n"),
        created_at,
    };
    // Added out of order, and in an order that sorts neither by kid nor by insertion.
    store.add_signing_key(key("b-oldest", 100)).await.unwrap();
    store.add_signing_key(key("a-newest", 300)).await.unwrap();
    store.add_signing_key(key("c-middle", 200)).await.unwrap();
    assert_eq!(
        store.signing_keys().await.unwrap(),
        vec![
            key("a-newest", 300),
            key("c-middle", 200),
            key("b-oldest", 100)
        ]
    );

    assert_eq!(
        store.secret("cookie", b"first").await.unwrap(),
        b"first".to_vec()
    );
    assert_eq!(
        store.secret("cookie", b"second").await.unwrap(),
        b"first".to_vec()
    );
    assert_eq!(
        store.secret("other", b"own").await.unwrap(),
        b"own".to_vec()
    );
    assert_eq!(
        store.secret("cookie", b"third").await.unwrap(),
        b"first".to_vec()
    );

    // Concurrent first callers with different candidates all end with one value.
    let handles: Vec<_> = (0..8u8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.secret("raced", &[i; 16]).await.unwrap() })
        })
        .collect();
    let mut values = HashSet::new();
    for h in handles {
        values.insert(h.await.unwrap());
    }
    assert_eq!(
        values.len(),
        1,
        "concurrent first callers saw different secrets"
    );
    let winner = values.into_iter().next().unwrap();
    assert_eq!(store.secret("raced", b"late").await.unwrap(), winner);
}

pub(crate) async fn retired_keys_neither_sign_nor_validate(store: DynStore) {
    for (kid, at) in [("k1", 10), ("k2", 20)] {
        store
            .add_signing_key(SigningKeyRecord {
                kid: kid.into(),
                private_pem: format!("pem-{kid}"),
                created_at: at,
            })
            .await
            .unwrap();
    }
    let kids = |keys: Vec<SigningKeyRecord>| keys.into_iter().map(|k| k.kid).collect::<Vec<_>>();
    assert_eq!(kids(store.signing_keys().await.unwrap()), ["k2", "k1"]);
    assert!(store.retire_signing_key("k2").await.unwrap());
    assert!(!store.retire_signing_key("k2").await.unwrap());
    assert!(!store.retire_signing_key("nope").await.unwrap());
    assert_eq!(kids(store.signing_keys().await.unwrap()), ["k1"]);
    // The last active key stays: nothing would sign.
    assert!(!store.retire_signing_key("k1").await.unwrap());
    assert_eq!(kids(store.signing_keys().await.unwrap()), ["k1"]);
}

pub(crate) async fn concurrent_retirements_leave_a_key(store: DynStore) {
    for (kid, at) in [("a", 1), ("b", 2), ("c", 3)] {
        store
            .add_signing_key(SigningKeyRecord {
                kid: kid.into(),
                private_pem: format!("pem-{kid}"),
                created_at: at,
            })
            .await
            .unwrap();
    }
    let (a, b, c) = tokio::join!(
        store.retire_signing_key("a"),
        store.retire_signing_key("b"),
        store.retire_signing_key("c"),
    );
    let retired = [a.unwrap(), b.unwrap(), c.unwrap()];
    assert_eq!(retired.iter().filter(|r| **r).count(), 2, "{retired:?}");
    assert_eq!(store.signing_keys().await.unwrap().len(), 1);
}
