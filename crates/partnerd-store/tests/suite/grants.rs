//! [`GrantStore`]: the token service's codes and refresh tokens, each redeemed once however
//! many nodes race for it, and forgotten once long expired.

use partnerd_store::*;

pub(crate) async fn grants_are_redeemed_once(store: DynStore) {
    let grant = GrantRecord {
        kind: GrantKind::Code,
        key: "hash-1".into(),
        payload: r#"{"state":"issued"}"#.into(),
        expires_at: i64::MAX,
    };
    store.put_grant(grant.clone()).await.unwrap();
    assert_eq!(
        store.grant(GrantKind::Code, "hash-1").await.unwrap(),
        Some(grant.clone())
    );
    assert_eq!(
        store.grant(GrantKind::Refresh, "hash-1").await.unwrap(),
        None
    );
    assert_err!(
        store.put_grant(grant.clone()).await,
        StoreError::Duplicate(_)
    );
    // Of many concurrent redemptions exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .swap_grant(
                    GrantKind::Code,
                    "hash-1",
                    GrantSwap {
                        expected: r#"{"state":"issued"}"#,
                        new: &format!(r#"{{"state":"redeemed","by":{i}}}"#),
                    },
                )
                .await
                .unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
    let now = store
        .grant(GrantKind::Code, "hash-1")
        .await
        .unwrap()
        .unwrap();
    assert!(now.payload.contains("redeemed"));
    // Grants long expired are forgotten when new ones are stored.
    store
        .put_grant(GrantRecord {
            kind: GrantKind::Code,
            key: "old".into(),
            payload: "{}".into(),
            expires_at: 1,
        })
        .await
        .unwrap();
    store
        .put_grant(GrantRecord {
            kind: GrantKind::Code,
            key: "new".into(),
            payload: "{}".into(),
            expires_at: i64::MAX,
        })
        .await
        .unwrap();
    assert_eq!(store.grant(GrantKind::Code, "old").await.unwrap(), None);
}
