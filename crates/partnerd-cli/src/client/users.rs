//! `partnerd users list|get|create|update|reset-password|delete|restore|roles|add-role|
//! remove-role|role-members`: a customer's user accounts and directory roles, through the API
//! (app+user credentials, as Microsoft documents). A password the command makes is printed
//! once; the service keeps only its hash.

use clap::{Args, Subcommand};
use partnerd_sdk::wire::{
    CustomerUser, DirectoryRole, PasswordProfile, ResourceCollection, UserFilter, UserMember,
    UserState,
};
use partnerd_sdk::PartnerCenter;
use serde::Serialize;

use super::output::{table, text, Output};
use crate::error::CliError;

/// `partnerd users ...`
#[derive(Subcommand)]
pub enum UsersCommand {
    /// List a customer's users (active ones, or --deleted), following continuation tokens.
    List {
        /// The customer's tenant id.
        customer: String,
        /// The deleted users, restorable for 30 days, instead.
        #[arg(long, conflicts_with = "name")]
        deleted: bool,
        /// Only users whose display name starts with this.
        #[arg(long)]
        name: Option<String>,
        /// Stop after this many users (all when unset).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show one user.
    Get {
        /// The customer's tenant id.
        customer: String,
        /// The user's object id.
        user: String,
    },
    /// Create a user; without --new-password one is made and printed once.
    Create {
        /// The customer's tenant id.
        customer: String,
        #[command(flatten)]
        fields: UserFields,
        /// The user's password (8 to 256 characters, three of lower case, upper case,
        /// digits and symbols). Not --password, which is the signed-in partner user's.
        #[arg(long = "new-password", id = "new_password")]
        password: Option<String>,
        /// Make the user change the password at the first sign-in.
        #[arg(long)]
        force_change: bool,
    },
    /// Change a user's names or usage location.
    Update {
        /// The customer's tenant id.
        customer: String,
        /// The user's object id.
        user: String,
        #[command(flatten)]
        fields: UserFields,
    },
    /// Give a user a new password; without --new-password one is made and printed once.
    ResetPassword {
        /// The customer's tenant id.
        customer: String,
        /// The user's object id.
        user: String,
        /// The new password.
        #[arg(long = "new-password", id = "new_password")]
        password: Option<String>,
        /// Make the user change it at the next sign-in.
        #[arg(long)]
        force_change: bool,
    },
    /// Delete a user (restorable for 30 days).
    Delete {
        /// The customer's tenant id.
        customer: String,
        /// The user's object id.
        user: String,
    },
    /// Restore a deleted user.
    Restore {
        /// The customer's tenant id.
        customer: String,
        /// The user's object id.
        user: String,
    },
    /// The directory roles a customer's users can hold, or those one user holds.
    Roles {
        /// The customer's tenant id.
        customer: String,
        /// A user's object id.
        user: Option<String>,
    },
    /// Give a user a directory role (by template id or name).
    AddRole {
        /// The customer's tenant id.
        customer: String,
        /// The user's object id.
        user: String,
        /// The role: its template id or its name (`"Helpdesk Administrator"`).
        role: String,
    },
    /// Take a directory role from a user.
    RemoveRole {
        /// The customer's tenant id.
        customer: String,
        /// The user's object id.
        user: String,
        /// The role: its template id or its name.
        role: String,
    },
    /// The users holding a directory role.
    RoleMembers {
        /// The customer's tenant id.
        customer: String,
        /// The role: its template id or its name.
        role: String,
    },
}

/// The properties `create` and `update` set.
#[derive(Args)]
pub struct UserFields {
    /// The sign-in name, `name@domain` in one of the customer's domains (required to create).
    #[arg(long)]
    upn: Option<String>,
    /// The display name (required to create).
    #[arg(long)]
    display_name: Option<String>,
    /// The given name.
    #[arg(long)]
    first_name: Option<String>,
    /// The surname.
    #[arg(long)]
    last_name: Option<String>,
    /// The two-letter country where the user's services are used.
    #[arg(long)]
    usage_location: Option<String>,
}

impl UserFields {
    fn user(self) -> CustomerUser {
        CustomerUser {
            user_principal_name: self.upn,
            display_name: self.display_name,
            first_name: self.first_name,
            last_name: self.last_name,
            usage_location: self.usage_location,
            ..CustomerUser::default()
        }
    }
}

/// A user with the password this command made for it, shown once.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WithPassword<'a> {
    #[serde(flatten)]
    user: &'a CustomerUser,
    password: &'a str,
}

fn user_rows(users: &[CustomerUser]) -> String {
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                text(&u.id),
                text(&u.user_principal_name),
                text(&u.display_name),
                u.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                text(&u.soft_deletion_time),
            ]
        })
        .collect();
    table(
        &["ID", "USER NAME", "DISPLAY NAME", "STATE", "DELETED"],
        &rows,
    )
}

fn role_rows(roles: &ResourceCollection<DirectoryRole>) -> String {
    let rows: Vec<Vec<String>> = roles
        .items
        .iter()
        .map(|r| vec![text(&r.id), text(&r.name)])
        .collect();
    table(&["ROLE ID", "NAME"], &rows)
}

fn member_rows(members: &[UserMember]) -> String {
    let rows: Vec<Vec<String>> = members
        .iter()
        .map(|m| {
            vec![
                text(&m.id),
                text(&m.user_principal_name),
                text(&m.display_name),
            ]
        })
        .collect();
    table(&["ID", "USER NAME", "DISPLAY NAME"], &rows)
}

/// The template id of a role given by id or by name.
async fn role_id(client: &PartnerCenter, customer: &str, role: &str) -> Result<String, CliError> {
    let roles = client
        .customers()
        .by_id(customer)
        .directory_roles()
        .get()
        .await?;
    roles
        .items
        .iter()
        .find(|r| {
            r.id.as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(role))
                || r.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(role))
        })
        .and_then(|r| r.id.clone())
        .ok_or_else(|| CliError::NotOffered(format!("the customer has no directory role {role}")))
}

/// The members of a role given by id or by name.
async fn members(
    client: &PartnerCenter,
    customer: &str,
    role: &str,
) -> Result<(String, partnerd_sdk::UserMemberOperations), CliError> {
    let role = role_id(client, customer, role).await?;
    let ops = client
        .customers()
        .by_id(customer)
        .directory_roles()
        .by_id(&role)
        .user_members();
    Ok((role, ops))
}

/// Prints a user, with the password when this command made it.
fn print_user(out: &Output, user: &CustomerUser, made: Option<&str>) {
    match made {
        Some(password) => out.line(&WithPassword { user, password }, || {
            format!(
                "{}\n(password, shown only now: {password})",
                user_rows(std::slice::from_ref(user))
            )
        }),
        None => out.line(user, || user_rows(std::slice::from_ref(user))),
    }
}

/// Runs a `users` command.
pub async fn run(
    client: &PartnerCenter,
    out: &Output,
    command: UsersCommand,
) -> Result<(), CliError> {
    match command {
        UsersCommand::List {
            customer,
            deleted,
            name,
            limit,
        } => {
            let users = client.customers().by_id(&customer).users();
            let filter = if deleted {
                Some(UserFilter::State(UserState::Inactive))
            } else {
                name.map(|n| UserFilter::DisplayName {
                    value: n.to_lowercase(),
                    exact: false,
                })
            };
            let mut page = users.query(0, filter).await?;
            let mut all = std::mem::take(&mut page.items);
            while limit.is_none_or(|l| all.len() < l) {
                match users.next_page(&page).await? {
                    Some(mut next) => {
                        all.append(&mut next.items);
                        page = next;
                    }
                    None => break,
                }
            }
            if let Some(l) = limit {
                all.truncate(l);
            }
            out.line(&all, || user_rows(&all));
        }
        UsersCommand::Get { customer, user } => {
            let u = client
                .customers()
                .by_id(&customer)
                .users()
                .by_id(&user)
                .get()
                .await?;
            print_user(out, &u, None);
        }
        UsersCommand::Create {
            customer,
            fields,
            password,
            force_change,
        } => {
            let made = password
                .is_none()
                .then(partnerd::identity::generate_password);
            let mut user = fields.user();
            user.password_profile = Some(PasswordProfile {
                password: password.or_else(|| made.clone()),
                force_change_password: Some(force_change),
            });
            let created = client
                .customers()
                .by_id(&customer)
                .users()
                .create(&user)
                .await?;
            print_user(out, &created, made.as_deref());
        }
        UsersCommand::Update {
            customer,
            user,
            fields,
        } => {
            let u = client
                .customers()
                .by_id(&customer)
                .users()
                .by_id(&user)
                .patch(&fields.user())
                .await?;
            print_user(out, &u, None);
        }
        UsersCommand::ResetPassword {
            customer,
            user,
            password,
            force_change,
        } => {
            let made = password
                .is_none()
                .then(partnerd::identity::generate_password);
            let new = password.or_else(|| made.clone()).unwrap_or_default();
            let u = client
                .customers()
                .by_id(&customer)
                .users()
                .by_id(&user)
                .reset_password(new, force_change)
                .await?;
            print_user(out, &u, made.as_deref());
        }
        UsersCommand::Delete { customer, user } => {
            client
                .customers()
                .by_id(&customer)
                .users()
                .by_id(&user)
                .delete()
                .await?;
            out.line(&serde_json::json!({"deleted": user}), || {
                format!("deleted {user} (restorable for 30 days)")
            });
        }
        UsersCommand::Restore { customer, user } => {
            let u = client
                .customers()
                .by_id(&customer)
                .users()
                .by_id(&user)
                .restore()
                .await?;
            print_user(out, &u, None);
        }
        UsersCommand::Roles { customer, user } => {
            let c = client.customers().by_id(&customer);
            let roles = match user {
                Some(u) => c.users().by_id(&u).directory_roles().await?,
                None => c.directory_roles().get().await?,
            };
            out.line(&roles.items, || role_rows(&roles));
        }
        UsersCommand::AddRole {
            customer,
            user,
            role,
        } => {
            let (role, members) = members(client, &customer, &role).await?;
            let m = members.add(&user).await?;
            out.line(&m, || format!("{user} now holds {role}"));
        }
        UsersCommand::RemoveRole {
            customer,
            user,
            role,
        } => {
            let (role, members) = members(client, &customer, &role).await?;
            members.remove(&user).await?;
            out.line(
                &serde_json::json!({"removed": user, "roleId": role}),
                || format!("{user} no longer holds {role}"),
            );
        }
        UsersCommand::RoleMembers { customer, role } => {
            let (_, members) = members(client, &customer, &role).await?;
            let mut page = members.query(0).await?;
            let mut all = std::mem::take(&mut page.items);
            while let Some(mut next) = members.next_page(&page).await? {
                all.append(&mut next.items);
                page = next;
            }
            out.line(&all, || member_rows(&all));
        }
    }
    Ok(())
}
