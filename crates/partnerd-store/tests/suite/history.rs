//! [`HistoryStore`] and [`DocumentStore`]: the request history behind the MFA reports, and
//! server-wide documents.

use partnerd_store::*;
use serde_json::json;

use crate::add_partner;

fn row(partner: &TenantId, at_ms: i64, kind: RequestKind, app: &str, mfa: bool) -> RequestRecord {
    RequestRecord {
        partner_id: partner.clone(),
        kind,
        at_ms,
        request_id: format!("req-{at_ms}"),
        correlation_id: String::new(),
        operation: "Get /v{version}/customers".to_owned(),
        source_ip: "127.0.0.1".to_owned(),
        object_id: format!("user-{}", u8::from(mfa)),
        tenant_id: partner.to_string(),
        upn: "admin@contoso.onmicrosoft.com".to_owned(),
        application_id: app.to_owned(),
        mfa,
    }
}

const DAY: i64 = 86_400_000;

pub(crate) async fn history_is_read_newest_first_per_partner(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    // Two batches: history is pruned a batch at a time.
    store
        .record_requests(vec![row(&p, 1_000, RequestKind::Api, "app-a", true)])
        .await
        .unwrap();
    store
        .record_requests(vec![
            row(&p, 3_000, RequestKind::Api, "app-a", false),
            row(&p, 2_000, RequestKind::SignIn, "app-b", false),
            row(&q, 2_500, RequestKind::Api, "app-q", true),
        ])
        .await
        .unwrap();
    let all = store.requests(&p, 0, None, false, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.at_ms).collect::<Vec<_>>(),
        [3_000, 2_000, 1_000]
    );
    assert_eq!(all[1].kind, RequestKind::SignIn);
    assert_eq!(all[0], row(&p, 3_000, RequestKind::Api, "app-a", false));
    let api = store
        .requests(&p, 0, Some(RequestKind::Api), false, 100)
        .await
        .unwrap();
    assert_eq!(api.len(), 2);
    let non_mfa = store.requests(&p, 0, None, true, 100).await.unwrap();
    assert_eq!(
        non_mfa.iter().map(|r| r.at_ms).collect::<Vec<_>>(),
        [3_000, 2_000]
    );
    assert_eq!(
        store
            .requests(&p, 1_500, None, false, 100)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store.requests(&p, 0, None, false, 1).await.unwrap()[0].at_ms,
        3_000
    );

    // Pruning by age, and a partner reset, take rows away.
    assert_eq!(store.prune_requests(1_500).await.unwrap(), 1);
    assert_eq!(
        store.requests(&p, 0, None, false, 100).await.unwrap().len(),
        2
    );
    store.reset_partner(&p).await.unwrap();
    assert!(store
        .requests(&p, 0, None, false, 100)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.requests(&q, 0, None, false, 100).await.unwrap().len(),
        1
    );
}

pub(crate) async fn adoption_counts_api_requests_per_day_and_app(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    store
        .record_requests(vec![
            row(&p, 10 * DAY + 5, RequestKind::Api, "b", true),
            row(&p, 10 * DAY + 6, RequestKind::Api, "b", false),
            row(&p, 10 * DAY + 7, RequestKind::Api, "a", true),
            row(&p, 10 * DAY + 8, RequestKind::SignIn, "a", false),
            row(&p, 11 * DAY, RequestKind::Api, "a", false),
            row(&p, 12 * DAY, RequestKind::Api, "a", true),
        ])
        .await
        .unwrap();
    let days = store.daily_adoption(&p, 10 * DAY, 12 * DAY).await.unwrap();
    let flat: Vec<_> = days
        .iter()
        .map(|d| (d.day, d.application_id.as_str(), d.mfa_requests, d.requests))
        .collect();
    assert_eq!(flat, [(10, "a", 1, 1), (10, "b", 1, 2), (11, "a", 0, 1)]);
}

pub(crate) async fn documents_are_kept_by_kind_and_key(store: DynStore) {
    assert!(store.documents("incident").await.unwrap().is_empty());
    store
        .put_document("incident", "EX2", json!({"n": 2}))
        .await
        .unwrap();
    store
        .put_document("incident", "EX1", json!({"n": 1}))
        .await
        .unwrap();
    store.put_document("other", "EX1", json!({})).await.unwrap();
    store
        .put_document("incident", "EX2", json!({"n": 3}))
        .await
        .unwrap();
    assert_eq!(
        store.documents("incident").await.unwrap(),
        [
            ("EX1".to_owned(), json!({"n": 1})),
            ("EX2".to_owned(), json!({"n": 3}))
        ]
    );
    assert!(store
        .insert_document("seed", "done", json!(true))
        .await
        .unwrap());
    assert!(!store
        .insert_document("seed", "done", json!(false))
        .await
        .unwrap());
    assert_eq!(store.documents("seed").await.unwrap()[0].1, json!(true));
    assert!(store.delete_document("incident", "EX1").await.unwrap());
    assert!(!store.delete_document("incident", "EX1").await.unwrap());
    assert_eq!(store.documents("incident").await.unwrap().len(), 1);
}

pub(crate) async fn limits_take_the_newest_across_overlapping_chunks(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    // Two nodes' batches overlap in time; a third is older than both.
    for batch in [vec![10, 20, 30], vec![100, 200, 300], vec![150, 250, 350]] {
        store
            .record_requests(
                batch
                    .into_iter()
                    .map(|at| row(&p, at, RequestKind::Api, "app", true))
                    .collect(),
            )
            .await
            .unwrap();
    }
    let newest = store
        .requests(&p, 0, Some(RequestKind::Api), false, 4)
        .await
        .unwrap();
    assert_eq!(
        newest.iter().map(|r| r.at_ms).collect::<Vec<_>>(),
        [350, 300, 250, 200]
    );
    let since = store
        .requests(&p, 25, Some(RequestKind::Api), false, 100)
        .await
        .unwrap();
    assert_eq!(since.len(), 7);
}
