//! A customer's user accounts and directory roles, shaped like the .NET SDK's
//! `Customers.ById(c).Users` and `Customers.ById(c).DirectoryRoles`:
//! `customers().by_id(id).users()` and `.directory_roles()`. Every call needs an app+user
//! token, as Microsoft documents.

use partnerd_wire::{
    CustomerUser, DirectoryRole, PasswordProfile, ResourceCollection, UserFilter, UserMember,
    UserState,
};
use reqwest::Method;

use crate::error::Result;
use crate::operations::{next_call, CustomerOperations};
use crate::transport::{segment, Call};

/// `/v1/customers/{id}/users`.
#[derive(Debug, Clone)]
pub struct UserCollectionOperations {
    customer: CustomerOperations,
}

impl UserCollectionOperations {
    fn list_path(&self) -> String {
        self.customer.path("/users")
    }

    /// One page of the customer's active users, in creation order (`Users.Query(…)`); `size`
    /// 0 means 500. With a filter: deleted users (`UserFilter::State(UserState::Inactive)`),
    /// or display or sign-in names by prefix or whole.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// use partnerd_sdk::wire::*;
    /// let id = client.customers().create(&new_customer("staff.onmicrosoft.com")).await?.id.unwrap();
    /// let users = client.customers().by_id(&id).users();
    /// let grace = users
    ///     .create(&CustomerUser {
    ///         user_principal_name: Some("grace@staff.onmicrosoft.com".into()),
    ///         display_name: Some("Grace Hopper".into()),
    ///         password_profile: Some(PasswordProfile {
    ///             password: Some("Cobol-1959".into()),
    ///             force_change_password: Some(true),
    ///         }),
    ///         ..CustomerUser::default()
    ///     })
    ///     .await?;
    /// // The customer's admin came with the customer.
    /// let page = users.query(1, None).await?;
    /// assert_eq!(page.items[0].display_name.as_deref(), Some("admin"));
    /// let next = users.next_page(&page).await?.expect("a second page");
    /// assert_eq!(next.items[0].id, grace.id);
    ///
    /// let grace = users.by_id(grace.id.as_deref().unwrap());
    /// grace.delete().await?;
    /// let deleted = users.query(0, Some(UserFilter::State(UserState::Inactive))).await?;
    /// assert_eq!(deleted.items.len(), 1);
    /// assert_eq!(grace.restore().await?.state, Some(UserState::Active));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn query(
        &self,
        size: u32,
        filter: Option<UserFilter>,
    ) -> Result<ResourceCollection<CustomerUser>> {
        let mut call = Call::new(Method::GET, self.list_path());
        call.query.push(("size", size.to_string()));
        if let Some(f) = filter {
            call.query.push(("filter", f.to_json()));
        }
        self.customer.client.execute_json(&call).await
    }

    /// The page after `page`, or `None` if it was the last.
    pub async fn next_page(
        &self,
        page: &ResourceCollection<CustomerUser>,
    ) -> Result<Option<ResourceCollection<CustomerUser>>> {
        match next_call(page, &self.list_path()) {
            Some(call) => self.customer.client.execute_json(&call).await.map(Some),
            None => Ok(None),
        }
    }

    /// Creates a user (`Users.Create(user)`): a sign-in name in one of the customer's
    /// domains, a display name, and a password as Entra requires it in `password_profile`.
    pub async fn create(&self, user: &CustomerUser) -> Result<CustomerUser> {
        let call = Call::new(Method::POST, self.list_path()).json(user)?;
        self.customer.client.execute_json(&call).await
    }

    /// Operations on one user (`Users.ById(userId)`).
    pub fn by_id(&self, id: impl Into<String>) -> UserOperations {
        UserOperations {
            customer: self.customer.clone(),
            id: id.into(),
        }
    }
}

/// `/v1/customers/{id}/users/{userId}`.
#[derive(Debug, Clone)]
pub struct UserOperations {
    customer: CustomerOperations,
    id: String,
}

impl UserOperations {
    fn path(&self, rest: &str) -> String {
        self.customer
            .path(&format!("/users/{}{rest}", segment(&self.id)))
    }

    /// Gets the user (an active one: a deleted user is 404).
    pub async fn get(&self) -> Result<CustomerUser> {
        let call = Call::new(Method::GET, self.path(""));
        self.customer.client.execute_json(&call).await
    }

    /// Changes the properties set in `user` (`Patch(user)`); unset ones stay.
    pub async fn patch(&self, user: &CustomerUser) -> Result<CustomerUser> {
        let call = Call::new(Method::PATCH, self.path("")).json(user)?;
        self.customer.client.execute_json(&call).await
    }

    /// Gives the user a new password.
    pub async fn reset_password(
        &self,
        password: impl Into<String>,
        force_change: bool,
    ) -> Result<CustomerUser> {
        self.patch(&CustomerUser {
            password_profile: Some(PasswordProfile {
                password: Some(password.into()),
                force_change_password: Some(force_change),
            }),
            ..CustomerUser::default()
        })
        .await
    }

    /// Restores a deleted user, within 30 days of its deletion.
    pub async fn restore(&self) -> Result<CustomerUser> {
        self.patch(&CustomerUser {
            state: Some(UserState::Active),
            ..CustomerUser::default()
        })
        .await
    }

    /// Deletes the user: it turns inactive and can be restored for 30 days.
    pub async fn delete(&self) -> Result<()> {
        let call = Call::new(Method::DELETE, self.path(""));
        self.customer.client.execute(&call).await.map(|_| ())
    }

    /// The directory roles the user holds (`DirectoryRoles.Get()` of a user).
    pub async fn directory_roles(&self) -> Result<ResourceCollection<DirectoryRole>> {
        let call = Call::new(Method::GET, self.path("/directoryroles"));
        self.customer.client.execute_json(&call).await
    }
}

/// `/v1/customers/{id}/directoryroles`.
#[derive(Debug, Clone)]
pub struct DirectoryRoleCollectionOperations {
    customer: CustomerOperations,
}

impl DirectoryRoleCollectionOperations {
    /// The roles a customer's users can hold, by Entra role template id.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// use partnerd_sdk::wire::*;
    /// let id = client.customers().create(&new_customer("roles.onmicrosoft.com")).await?.id.unwrap();
    /// let customer = client.customers().by_id(&id);
    /// let roles = customer.directory_roles().get().await?;
    /// let helpdesk = roles
    ///     .items
    ///     .iter()
    ///     .find(|r| r.name.as_deref() == Some("Helpdesk Administrator"))
    ///     .and_then(|r| r.id.clone())
    ///     .unwrap();
    /// let admin = customer.users().query(0, None).await?.items.remove(0);
    /// let members = customer.directory_roles().by_id(&helpdesk).user_members();
    /// members.add(admin.id.as_deref().unwrap()).await?;
    /// assert_eq!(members.query(0).await?.items.len(), 1);
    /// members.remove(admin.id.as_deref().unwrap()).await?;
    /// assert!(members.query(0).await?.items.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<ResourceCollection<DirectoryRole>> {
        let call = Call::new(Method::GET, self.customer.path("/directoryroles"));
        self.customer.client.execute_json(&call).await
    }

    /// One role (`DirectoryRoles.ById(roleId)`).
    pub fn by_id(&self, role_id: impl Into<String>) -> DirectoryRoleOperations {
        DirectoryRoleOperations {
            customer: self.customer.clone(),
            id: role_id.into(),
        }
    }
}

/// `/v1/customers/{id}/directoryroles/{roleId}`.
#[derive(Debug, Clone)]
pub struct DirectoryRoleOperations {
    customer: CustomerOperations,
    id: String,
}

impl DirectoryRoleOperations {
    /// The users holding the role (`UserMembers`).
    pub fn user_members(&self) -> UserMemberOperations {
        UserMemberOperations {
            path: self.customer.path(&format!(
                "/directoryroles/{}/usermembers",
                segment(&self.id)
            )),
            customer: self.customer.clone(),
        }
    }
}

/// `/v1/customers/{id}/directoryroles/{roleId}/usermembers`.
#[derive(Debug, Clone)]
pub struct UserMemberOperations {
    customer: CustomerOperations,
    path: String,
}

impl UserMemberOperations {
    /// One page of the role's members; `size` 0 means 500.
    pub async fn query(&self, size: u32) -> Result<ResourceCollection<UserMember>> {
        let mut call = Call::new(Method::GET, self.path.clone());
        call.query.push(("size", size.to_string()));
        self.customer.client.execute_json(&call).await
    }

    /// The page after `page`, or `None` if it was the last.
    pub async fn next_page(
        &self,
        page: &ResourceCollection<UserMember>,
    ) -> Result<Option<ResourceCollection<UserMember>>> {
        match next_call(page, &self.path) {
            Some(call) => self.customer.client.execute_json(&call).await.map(Some),
            None => Ok(None),
        }
    }

    /// Gives the user with this object id the role (`UserMembers.Create(member)`).
    pub async fn add(&self, user_id: &str) -> Result<UserMember> {
        let member = UserMember {
            id: Some(user_id.to_owned()),
            ..UserMember::default()
        };
        let call = Call::new(Method::POST, self.path.clone()).json(&member)?;
        self.customer.client.execute_json(&call).await
    }

    /// Takes the role from the user (`UserMembers.ById(userId).Delete()`).
    pub async fn remove(&self, user_id: &str) -> Result<()> {
        let call = Call::new(
            Method::DELETE,
            format!("{}/{}", self.path, segment(user_id)),
        );
        self.customer.client.execute(&call).await.map(|_| ())
    }
}

impl CustomerOperations {
    /// The customer's user accounts.
    pub fn users(&self) -> UserCollectionOperations {
        UserCollectionOperations {
            customer: self.clone(),
        }
    }

    /// The customer's directory roles.
    pub fn directory_roles(&self) -> DirectoryRoleCollectionOperations {
        DirectoryRoleCollectionOperations {
            customer: self.clone(),
        }
    }
}
