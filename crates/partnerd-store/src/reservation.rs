//! The idempotency reservation rule, decided once for every backend.
//!
//! A backend finds (and locks) the record under a request's key and hands it to
//! [`decide_reservation`]; whether the request replays, waits or runs is decided here, so
//! SQLite and PostgreSQL cannot drift apart. The backends keep only what differs between them:
//! how the record is locked and how a take-over is written.

use crate::error::{StoreError, StoreResult};
use crate::model::{Reservation, StoredResponse};

/// The state of an idempotency record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordState {
    /// Its request is running (or stopped without finishing).
    Pending,
    /// Its request finished and its response is stored.
    Complete,
}

impl RecordState {
    /// The name backends store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Complete => "complete",
        }
    }

    /// The state a backend stored under this name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "complete" => Some(Self::Complete),
            _ => None,
        }
    }
}

/// An idempotency record as a backend found it under a request's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingRecord {
    /// Fingerprint of the request that holds the key.
    pub fingerprint: String,
    /// Its state.
    pub state: RecordState,
    /// Until when (Unix seconds) its request holds the lease.
    pub lease_until: i64,
    /// The stored response, when there is one.
    pub response: Option<StoredResponse>,
}

/// What a reservation does about an existing record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveDecision {
    /// Answer with this, writing nothing.
    Answer(Reservation),
    /// The request holding the key stopped without finishing: take its lease over and run.
    TakeOver,
}

/// The reservation rule: a finished request is replayed (or refused, by the caller, when
/// the fingerprint differs); a running one is waited for; a lapsed lease of the same request
/// is taken over, but a lapsed lease of a different request still owns the key.
pub fn decide_reservation(
    existing: ExistingRecord,
    fingerprint: &str,
    now: i64,
) -> ReserveDecision {
    match existing {
        ExistingRecord {
            fingerprint: held,
            state: RecordState::Complete,
            response: Some(response),
            ..
        } => ReserveDecision::Answer(Reservation::Completed {
            fingerprint: held,
            response,
        }),
        ExistingRecord {
            fingerprint: held,
            lease_until,
            ..
        } if lease_until > now || held != fingerprint => {
            ReserveDecision::Answer(Reservation::Pending { fingerprint: held })
        }
        ExistingRecord { .. } => ReserveDecision::TakeOver,
    }
}

/// An [`ExistingRecord`] from a record's columns, as both backends read them.
pub(crate) fn existing_record(
    fingerprint: String,
    state: &str,
    lease_until: i64,
    status: Option<u16>,
    headers: Option<String>,
    body: Option<Vec<u8>>,
) -> StoreResult<ExistingRecord> {
    let state = RecordState::parse(state).ok_or_else(|| {
        StoreError::Internal(format!("stored idempotency state '{state}' is unknown"))
    })?;
    let response = match (state, status) {
        (RecordState::Complete, Some(status)) => Some(StoredResponse {
            status,
            headers: headers
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default(),
            body: body.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(ExistingRecord {
        fingerprint,
        state,
        lease_until,
        response,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(state: RecordState, lease_until: i64, fingerprint: &str) -> ExistingRecord {
        ExistingRecord {
            fingerprint: fingerprint.to_owned(),
            state,
            lease_until,
            response: (state == RecordState::Complete).then(|| StoredResponse {
                status: 201,
                headers: vec![],
                body: b"{}".to_vec(),
            }),
        }
    }

    #[test]
    fn finished_requests_replay_whatever_the_lease() {
        let d = decide_reservation(record(RecordState::Complete, 0, "a"), "b", 100);
        assert!(matches!(
            d,
            ReserveDecision::Answer(Reservation::Completed { fingerprint, .. }) if fingerprint == "a"
        ));
    }

    #[test]
    fn running_requests_are_waited_for() {
        let d = decide_reservation(record(RecordState::Pending, 101, "a"), "a", 100);
        assert_eq!(
            d,
            ReserveDecision::Answer(Reservation::Pending {
                fingerprint: "a".into()
            })
        );
    }

    #[test]
    fn lapsed_leases_are_taken_over_only_by_the_same_request() {
        let same = decide_reservation(record(RecordState::Pending, 100, "a"), "a", 100);
        assert_eq!(same, ReserveDecision::TakeOver);
        let other = decide_reservation(record(RecordState::Pending, 100, "a"), "b", 100);
        assert_eq!(
            other,
            ReserveDecision::Answer(Reservation::Pending {
                fingerprint: "a".into()
            })
        );
    }
}
