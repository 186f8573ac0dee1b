//! The address flags `customers create` and `billing set` share, and how they change an
//! address: only the fields given replace the ones there.

use clap::Args;
use partnerd_sdk::wire::Address;

/// Address fields shared by `customers create` and `billing set`.
#[derive(Args, Default)]
pub struct AddressArgs {
    /// ISO 3166 two-letter country code.
    #[arg(long)]
    country: Option<String>,
    /// The city.
    #[arg(long)]
    city: Option<String>,
    /// The state or province, where the country has them (US, CA, MX, ...).
    #[arg(long)]
    state: Option<String>,
    /// The street address.
    #[arg(long)]
    address_line1: Option<String>,
    /// The postal code, in the country's format.
    #[arg(long)]
    postal_code: Option<String>,
}

impl AddressArgs {
    /// No address flag was given.
    pub fn is_empty(&self) -> bool {
        self.country.is_none()
            && self.city.is_none()
            && self.state.is_none()
            && self.address_line1.is_none()
            && self.postal_code.is_none()
    }

    /// `base` with the given fields replaced.
    pub fn into_address(self, base: Address) -> Address {
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
