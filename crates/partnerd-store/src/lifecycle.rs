//! What a customer gathers over its life beyond its profiles: subscriptions put there by the
//! control plane, qualifications, the GCC validation code it was qualified with, its account
//! validation status, and the domains a registrar partner added. Also the partners' GCC
//! validation codes.
//!
//! Most of these are small documents kept per customer as [`CustomerRecord`]s of a
//! [`RecordKind`]; the typed views below read and write them. Two things need more than a
//! document store and have their own operations: adding a qualification (which checks the
//! customer's other qualifications and consumes a validation code in the same transaction,
//! by [`decide_qualification`], on every backend) and adding a domain (which must be unique
//! across every tenant, like a customer's first domain).

use partnerd_wire::{Qualification, Subscription, VettingStatus};
use serde::{Deserialize, Serialize};

use crate::error::{StoreError, StoreResult};
use crate::ids::TenantId;

/// The kinds of document a customer keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A subscription of one partner (key: the subscription id).
    Subscription,
    /// A qualification (key: its lower snake name).
    Qualification,
    /// The GCC validation code the customer was qualified with (key: `gcc`).
    GccValidation,
    /// The account validation status (key: `account`).
    AccountStatus,
    /// A partner's confirmation that the customer accepted an agreement (key: a digest of
    /// its template and contact, so that the same confirmation is stored once).
    Agreement,
    /// Whether the customer signed the Microsoft Customer Agreement itself (key: `mca`).
    DirectSign,
    /// A partner's self-serve policy for the customer (key: the policy id).
    SelfServePolicy,
    /// The user accounts of the customer's tenant, with their directory roles (key:
    /// `directory`).
    CustomerUser,
}

impl RecordKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subscription => "subscription",
            Self::Qualification => "qualification",
            Self::GccValidation => "gcc_validation",
            Self::AccountStatus => "account_status",
            Self::Agreement => "agreement",
            Self::DirectSign => "direct_sign",
            Self::SelfServePolicy => "self_serve_policy",
            Self::CustomerUser => "customer_user",
        }
    }

    /// Every kind.
    pub const ALL: [RecordKind; 8] = [
        Self::Subscription,
        Self::Qualification,
        Self::GccValidation,
        Self::AccountStatus,
        Self::Agreement,
        Self::DirectSign,
        Self::SelfServePolicy,
        Self::CustomerUser,
    ];
}

/// One document of a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRecord {
    /// What it is.
    pub kind: RecordKind,
    /// Its key among the customer's records of that kind.
    pub key: String,
    /// The partner it belongs to, or that wrote it.
    pub partner_id: TenantId,
    /// The document.
    pub body: serde_json::Value,
}

impl CustomerRecord {
    /// A record holding `value`.
    pub fn of<T: Serialize>(
        kind: RecordKind,
        key: impl Into<String>,
        partner_id: TenantId,
        value: &T,
    ) -> StoreResult<Self> {
        Ok(Self {
            kind,
            key: key.into(),
            partner_id,
            body: serde_json::to_value(value)
                .map_err(|e| StoreError::Internal(format!("record unwritable: {e}")))?,
        })
    }

    /// The document read as `T`.
    pub fn read<T: for<'de> Deserialize<'de>>(&self) -> StoreResult<T> {
        serde_json::from_value(self.body.clone()).map_err(|e| {
            StoreError::Internal(format!(
                "stored {} {} is unreadable: {e}",
                self.kind.as_str(),
                self.key
            ))
        })
    }
}

/// A customer's qualification as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QualificationRecord {
    /// Which qualification.
    pub qualification: Qualification,
    /// The review's state; `None` for qualifications without review (StateOwnedEntity).
    pub vetting_status: Option<VettingStatus>,
    /// Why it was denied.
    pub vetting_reason: Option<String>,
    /// When it was asked for (seconds since the Unix epoch).
    pub created_at: i64,
    /// Whether the vetting date is shown (not for StateOwnedEntity).
    pub dated: bool,
    /// Education's segment (lower snake).
    pub education_segment: Option<String>,
    /// The organisation's website.
    pub website: Option<String>,
    /// The GCC validation code used.
    pub validation_id: Option<String>,
    /// Whether someone decided the review (the control plane), so no clock rule applies.
    pub decided: bool,
}

impl QualificationRecord {
    /// The record's key.
    pub fn key(&self) -> &'static str {
        self.qualification.as_str()
    }
}

/// A partner's GCC validation code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationCodeRecord {
    /// The code.
    pub validation_id: String,
    /// The organisation it was issued to.
    pub organization_name: String,
    /// How many customers it may qualify in all.
    pub max_creates: u32,
    /// How many it may still qualify.
    pub remaining_creates: u32,
    /// When it last changed (seconds since the Unix epoch): its ETag.
    pub changed_at: i64,
}

/// The GCC validation code a customer was qualified with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GccValidationRecord {
    /// The code.
    pub validation_id: String,
    /// The organisation it was issued to.
    pub organization_name: String,
    /// When it was used (seconds since the Unix epoch).
    pub created_at: i64,
}

/// A customer's account validation status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatusRecord {
    /// `Allowed`, `UnderReview`, `NotAllowed`, `Unknown` or `Not Ready`.
    pub status: String,
    /// When it was set (seconds since the Unix epoch).
    pub changed_at: i64,
}

/// Why a qualification cannot be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QualificationRefusal {
    /// The customer already holds it, or one that excludes it.
    Conflict(String),
    /// The validation code is unknown to the partner or used up.
    Code(String),
}

/// Decides whether `new` may join the customer's `existing` qualifications, and what the
/// validation code becomes when `new` uses one. Every backend calls it inside the transaction
/// that writes the result, so the decision and the write are one.
///
/// A qualification not denied blocks asking for it again; Education and
/// GovernmentCommunityCloud exclude each other (an organisation is one or the other); a
/// StateOwnedEntity combines with either. A denied qualification may be asked for again.
pub fn decide_qualification(
    existing: &[QualificationRecord],
    new: &QualificationRecord,
    code: Option<&ValidationCodeRecord>,
    now: i64,
) -> Result<Option<ValidationCodeRecord>, QualificationRefusal> {
    use Qualification::{Education, GovernmentCommunityCloud};
    let held = existing
        .iter()
        .filter(|q| q.vetting_status != Some(VettingStatus::Denied));
    for q in held {
        if q.qualification == new.qualification {
            return Err(QualificationRefusal::Conflict(format!(
                "The customer already has the qualification {}.",
                q.qualification.pascal()
            )));
        }
        let pair = (q.qualification, new.qualification);
        if matches!(
            pair,
            (Education, GovernmentCommunityCloud) | (GovernmentCommunityCloud, Education)
        ) {
            return Err(QualificationRefusal::Conflict(format!(
                "The customer has the qualification {}, which excludes {}.",
                q.qualification.pascal(),
                new.qualification.pascal()
            )));
        }
    }
    let Some(wanted) = &new.validation_id else {
        return Ok(None);
    };
    match code {
        None => Err(QualificationRefusal::Code(format!(
            "The validation code {wanted} is not one of the partner's."
        ))),
        Some(c) if c.remaining_creates == 0 => Err(QualificationRefusal::Code(format!(
            "The validation code {wanted} has no creates left (all {} used).",
            c.max_creates
        ))),
        Some(c) => Ok(Some(ValidationCodeRecord {
            remaining_creates: c.remaining_creates - 1,
            changed_at: now,
            ..c.clone()
        })),
    }
}

/// Whether a stored subscription is `active`, which keeps its partner from removing the
/// reseller relationship.
pub fn is_active(subscription: &Subscription) -> bool {
    subscription
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("active"))
}

/// The active subscriptions among a partner's subscription records: what stops it removing
/// its reseller relationship (`ActiveSubscriptions`).
pub fn check_no_active(records: &[CustomerRecord]) -> StoreResult<()> {
    let mut active = Vec::new();
    for record in records {
        let subscription: Subscription = record.read()?;
        if is_active(&subscription) {
            active.push(subscription.id);
        }
    }
    if active.is_empty() {
        Ok(())
    } else {
        Err(StoreError::ActiveSubscriptions(active))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(q: Qualification, status: Option<VettingStatus>) -> QualificationRecord {
        QualificationRecord {
            qualification: q,
            vetting_status: status,
            vetting_reason: None,
            created_at: 0,
            dated: true,
            education_segment: None,
            website: None,
            validation_id: None,
            decided: false,
        }
    }

    fn code(remaining: u32) -> ValidationCodeRecord {
        ValidationCodeRecord {
            validation_id: "v".into(),
            organization_name: "Org".into(),
            max_creates: 5,
            remaining_creates: remaining,
            changed_at: 1,
        }
    }

    #[test]
    fn a_held_qualification_blocks_itself_and_its_exclusive_partner() {
        let education = record(Qualification::Education, Some(VettingStatus::InReview));
        let again = record(Qualification::Education, None);
        assert!(matches!(
            decide_qualification(std::slice::from_ref(&education), &again, None, 9),
            Err(QualificationRefusal::Conflict(_))
        ));
        let gcc = record(Qualification::GovernmentCommunityCloud, None);
        assert!(matches!(
            decide_qualification(std::slice::from_ref(&education), &gcc, None, 9),
            Err(QualificationRefusal::Conflict(_))
        ));
        let soe = record(Qualification::StateOwnedEntity, None);
        assert_eq!(decide_qualification(&[education], &soe, None, 9), Ok(None));
    }

    #[test]
    fn a_denied_qualification_may_be_asked_for_again() {
        let denied = record(Qualification::Education, Some(VettingStatus::Denied));
        let again = record(Qualification::Education, None);
        assert_eq!(decide_qualification(&[denied], &again, None, 9), Ok(None));
    }

    #[test]
    fn a_code_is_consumed_once_per_qualification_and_refused_when_used_up() {
        let mut gcc = record(Qualification::GovernmentCommunityCloud, None);
        gcc.validation_id = Some("v".into());
        let after = decide_qualification(&[], &gcc, Some(&code(2)), 9)
            .unwrap()
            .unwrap();
        assert_eq!((after.remaining_creates, after.changed_at), (1, 9));
        assert!(matches!(
            decide_qualification(&[], &gcc, Some(&code(0)), 9),
            Err(QualificationRefusal::Code(_))
        ));
        assert!(matches!(
            decide_qualification(&[], &gcc, None, 9),
            Err(QualificationRefusal::Code(_))
        ));
    }
}
