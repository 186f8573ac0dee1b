//! The client half of the command line: `customers`, `billing`, `domains`, `addresses`,
//! `qualifications`, `agreements`, `security` and `incidents` talk to any
//! Partner Center endpoint (partnerd or the real service) through the Rust SDK.
//!
//! Each command group has its module; they share the connection settings (`connection`), the
//! address flags (`address`) and the way answers are printed (`output`). Failures map to exit
//! codes in [`crate::error`].

pub mod address;
pub mod addresses;
pub mod agreements;
pub mod billing;
pub mod connection;
pub mod customers;
pub mod domains;
pub mod output;
pub mod qualifications;
pub mod security;
pub mod users;

pub use addresses::AddressesCommand;
pub use agreements::AgreementsCommand;
pub use billing::BillingCommand;
pub use connection::Connection;
pub use customers::CustomersCommand;
pub use domains::DomainsCommand;
pub use qualifications::QualificationsCommand;
pub use security::{IncidentsCommand, SecurityCommand};
pub use users::UsersCommand;
