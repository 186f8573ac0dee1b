//! Partners, apps, users, partner links, signing keys and secrets on PostgreSQL.

use async_trait::async_trait;

use super::exec::{begin, commit, execute, query, query_one, query_opt};
use super::rows::{self, get, APP_COLUMNS, PARTNER_COLUMNS, P_PARTNER_COLUMNS, USER_COLUMNS};
use super::PostgresStore;
use crate::error::{StoreError, StoreResult};
use crate::ids::*;
use crate::model::*;
use crate::{KeyStore, PartnerStore};

#[async_trait]
impl PartnerStore for PostgresStore {
    async fn create_partner(&self, new: NewPartner) -> StoreResult<()> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let p = &new.partner;
            execute(
                &tx,
                "INSERT INTO partners (tenant_id, name, mpn_id, kind, customer_cap, domain) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &p.tenant_id,
                    &p.name,
                    &p.mpn_id,
                    &p.kind.as_str(),
                    &i64::from(p.customer_cap),
                    &p.domain.to_lowercase(),
                ],
            )
            .await?;
            for a in &new.apps {
                execute(
                    &tx,
                    "INSERT INTO apps (client_id, tenant_id, name, secret_hash) VALUES ($1, $2, $3, $4)",
                    &[&a.client_id, &p.tenant_id, &a.name, &a.secret_hash],
                )
                .await?;
            }
            for u in &new.users {
                execute(
                    &tx,
                    "INSERT INTO users (object_id, tenant_id, upn, upn_fold, password_hash, mfa) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        &u.object_id,
                        &p.tenant_id,
                        &u.upn,
                        &u.upn.to_lowercase(),
                        &u.password_hash,
                        &u.mfa,
                    ],
                )
                .await?;
            }
            for code in &new.validation_codes {
                super::lifecycle::put_code(&tx, &p.tenant_id, code).await?;
            }
            commit(tx).await
        })
        .await
    }

    async fn partner(&self, tenant_id: &TenantId) -> StoreResult<Option<PartnerRecord>> {
        self.timed(async {
            let sql = format!("SELECT {PARTNER_COLUMNS} FROM partners WHERE tenant_id = $1");
            let row = query_opt(&self.conn().await?, &sql, &[&tenant_id]).await?;
            row.as_ref().map(rows::partner).transpose()
        })
        .await
    }

    async fn partner_by_domain(&self, domain: &str) -> StoreResult<Option<PartnerRecord>> {
        self.timed(async {
            let sql = format!("SELECT {PARTNER_COLUMNS} FROM partners WHERE domain = $1");
            let row = query_opt(&self.conn().await?, &sql, &[&domain.to_lowercase()]).await?;
            row.as_ref().map(rows::partner).transpose()
        })
        .await
    }

    async fn partner_count(&self) -> StoreResult<u64> {
        self.timed(async {
            let row = query_one(&self.conn().await?, "SELECT COUNT(*) FROM partners", &[]).await?;
            let n: i64 = get(&row, 0)?;
            Ok(n as u64)
        })
        .await
    }

    async fn first_partner(&self) -> StoreResult<Option<PartnerRecord>> {
        self.timed(async {
            let sql = format!("SELECT {PARTNER_COLUMNS} FROM partners ORDER BY seq LIMIT 1");
            let row = query_opt(&self.conn().await?, &sql, &[]).await?;
            row.as_ref().map(rows::partner).transpose()
        })
        .await
    }

    async fn app(&self, client_id: &ClientId) -> StoreResult<Option<AppRecord>> {
        self.timed(async {
            let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE client_id = $1");
            let row = query_opt(&self.conn().await?, &sql, &[&client_id]).await?;
            row.as_ref().map(rows::app).transpose()
        })
        .await
    }

    async fn apps_of(&self, tenant_id: &TenantId) -> StoreResult<Vec<AppRecord>> {
        self.timed(async {
            let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE tenant_id = $1 ORDER BY seq");
            let found = query(&self.conn().await?, &sql, &[&tenant_id]).await?;
            found.iter().map(rows::app).collect()
        })
        .await
    }

    async fn user_by_upn(&self, upn: &str) -> StoreResult<Option<UserRecord>> {
        self.timed(async {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE upn_fold = $1");
            let row = query_opt(&self.conn().await?, &sql, &[&upn.to_lowercase()]).await?;
            row.map(|r| rows::user(&r, 0)).transpose()
        })
        .await
    }

    async fn users_of(&self, tenant_id: &TenantId) -> StoreResult<Vec<UserRecord>> {
        self.timed(async {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY seq");
            let found = query(&self.conn().await?, &sql, &[&tenant_id]).await?;
            found.iter().map(|r| rows::user(r, 0)).collect()
        })
        .await
    }

    async fn principal(
        &self,
        tenant_id: &TenantId,
        client_id: &ClientId,
        user_id: Option<&UserId>,
    ) -> StoreResult<Option<Principal>> {
        // One statement, so one round trip: this runs on every API request.
        const SQL: &str =
            "SELECT p.tenant_id, p.name, p.mpn_id, p.kind, p.customer_cap, p.domain, \
             EXISTS (SELECT 1 FROM apps a WHERE a.client_id = $2 AND a.tenant_id = p.tenant_id), \
             u.object_id, u.tenant_id, u.upn, u.password_hash, u.mfa \
             FROM partners p LEFT JOIN users u ON u.object_id = $3 AND u.tenant_id = p.tenant_id \
             WHERE p.tenant_id = $1";
        self.timed(async {
            let client = self.conn().await?;
            let Some(row) = query_opt(&client, SQL, &[&tenant_id, &client_id, &user_id]).await?
            else {
                return Ok(None);
            };
            let user = match get::<Option<String>>(&row, 7)? {
                Some(_) => Some(rows::user(&row, 7)?),
                None => None,
            };
            Ok(Some(Principal {
                partner: rows::partner(&row)?,
                app_known: get(&row, 6)?,
                user,
            }))
        })
        .await
    }

    async fn set_app_secret(&self, client_id: &ClientId, secret_hash: &str) -> StoreResult<bool> {
        self.timed(async {
            let client = self.conn().await?;
            let n = execute(
                &client,
                "UPDATE apps SET secret_hash = $2 WHERE client_id = $1",
                &[&client_id, &secret_hash],
            )
            .await?;
            Ok(n > 0)
        })
        .await
    }

    async fn set_user_password(
        &self,
        object_id: &UserId,
        password_hash: &str,
    ) -> StoreResult<bool> {
        self.timed(async {
            let client = self.conn().await?;
            let n = execute(
                &client,
                "UPDATE users SET password_hash = $2 WHERE object_id = $1",
                &[&object_id, &password_hash],
            )
            .await?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_app(&self, client_id: &ClientId) -> StoreResult<bool> {
        self.timed(async {
            let client = self.conn().await?;
            let n = execute(
                &client,
                "DELETE FROM apps WHERE client_id = $1",
                &[&client_id],
            )
            .await?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_user(&self, object_id: &UserId) -> StoreResult<bool> {
        self.timed(async {
            let client = self.conn().await?;
            let n = execute(
                &client,
                "DELETE FROM users WHERE object_id = $1",
                &[&object_id],
            )
            .await?;
            Ok(n > 0)
        })
        .await
    }

    async fn link_partners(&self, provider: &TenantId, reseller: &TenantId) -> StoreResult<()> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            for id in [provider, reseller] {
                // A key-share lock keeps the partner from going away before the link commits.
                let sql = "SELECT 1 FROM partners WHERE tenant_id = $1 FOR KEY SHARE";
                if query_opt(&tx, sql, &[&id]).await?.is_none() {
                    return Err(StoreError::UnknownPartner(id.to_string()));
                }
            }
            execute(
                &tx,
                "INSERT INTO partner_links (provider_id, reseller_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
                &[&provider, &reseller],
            )
            .await?;
            commit(tx).await
        })
        .await
    }

    async fn partner_links(&self, tenant_id: &TenantId) -> StoreResult<Vec<PartnerLink>> {
        // Ordered by the other partner's tenant id, compared byte by byte as SQLite does.
        let sql = format!(
            "SELECT * FROM ( \
             SELECT {P_PARTNER_COLUMNS}, 'reseller' AS direction FROM partner_links l \
             JOIN partners p ON p.tenant_id = l.reseller_id WHERE l.provider_id = $1 \
             UNION ALL \
             SELECT {P_PARTNER_COLUMNS}, 'provider' AS direction FROM partner_links l \
             JOIN partners p ON p.tenant_id = l.provider_id WHERE l.reseller_id = $1 \
             ) links ORDER BY tenant_id COLLATE \"C\""
        );
        self.timed(async {
            let found = query(&self.conn().await?, &sql, &[&tenant_id]).await?;
            found
                .iter()
                .map(|r| {
                    let direction: &str = get(r, 6)?;
                    Ok(PartnerLink {
                        other: rows::partner(r)?,
                        direction: if direction == "reseller" {
                            LinkDirection::OtherIsReseller
                        } else {
                            LinkDirection::OtherIsProvider
                        },
                    })
                })
                .collect()
        })
        .await
    }
}

#[async_trait]
impl KeyStore for PostgresStore {
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        self.timed(async {
            let found = query(
                &self.conn().await?,
                "SELECT kid, private_pem, created_at FROM signing_keys WHERE NOT retired \
                 ORDER BY created_at DESC, seq DESC",
                &[],
            )
            .await?;
            found
                .iter()
                .map(|r| {
                    Ok(SigningKeyRecord {
                        kid: get(r, 0)?,
                        private_pem: get(r, 1)?,
                        created_at: get(r, 2)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn add_signing_key(&self, key: SigningKeyRecord) -> StoreResult<()> {
        self.timed(async {
            execute(
                &self.conn().await?,
                "INSERT INTO signing_keys (kid, private_pem, created_at) VALUES ($1, $2, $3)",
                &[&key.kid, &key.private_pem, &key.created_at],
            )
            .await?;
            Ok(())
        })
        .await
    }

    async fn retire_signing_key(&self, kid: &str) -> StoreResult<bool> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            // The active keys locked first: a concurrent retirement waits, then counts what
            // this one left, so the last key is never retired.
            execute(
                &tx,
                "SELECT kid FROM signing_keys WHERE NOT retired FOR UPDATE",
                &[],
            )
            .await?;
            let n = execute(
                &tx,
                "UPDATE signing_keys SET retired = TRUE WHERE kid = $1 AND NOT retired \
                 AND (SELECT count(*) FROM signing_keys WHERE NOT retired) > 1",
                &[&kid],
            )
            .await?;
            commit(tx).await?;
            Ok(n > 0)
        })
        .await
    }

    async fn secret(&self, name: &str, candidate: &[u8]) -> StoreResult<Vec<u8>> {
        self.timed(async {
            let client = self.conn().await?;
            // Two statements: the second one's snapshot sees whichever insert won.
            execute(
                &client,
                "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &[&name, &candidate],
            )
            .await?;
            let row = query_one(
                &client,
                "SELECT value FROM secrets WHERE name = $1",
                &[&name],
            )
            .await?;
            get(&row, 0)
        })
        .await
    }
}
